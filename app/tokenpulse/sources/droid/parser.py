"""A Droid session settings file to one ApiCall: the session's token totals, keyed by the session.

The file is rewritten as the session goes on; each rewrite restates the growing totals, and the ledger keeps
the largest (README.md here).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.decoding import decode_counted, only_a_total, read_counts, text_or_none
from tokenpulse.sources.fields import call_key, parse_iso_ms, plausible_ms
from tokenpulse.usage import ApiCall

SOURCE = "droid"
_COUNTS = ("inputTokens", "cacheCreationTokens", "cacheReadTokens", "outputTokens", "thinkingTokens")
_SUFFIX = ".settings.json"


class _Settings(msgspec.Struct):
    # Only what we count is declared: autonomy, tools and other settings are skipped unread.
    model: Any = None
    providerLockTimestamp: Any = None
    tokenUsage: Any = None


_DECODER = msgspec.json.Decoder(_Settings)


def normalize_model(raw: str) -> str:
    """Droid's display names to price-list ids: `custom:Claude-Sonnet-4.5-[Anthropic]` → `claude-sonnet-4-5`.

    Bracketed provider tags and a `custom:` prefix go; dots, spaces and dashes collapse to single dashes (the
    reading ccusage applies, so both tools name the same models).
    """
    text = raw.removeprefix("custom:")
    kept, depth = [], 0
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(ch)
    out: list[str] = []
    for ch in "".join(kept).strip().rstrip("-").lower():
        ch = "-" if ch in ".-" or ch.isspace() else ch
        if ch != "-" or (out and out[-1] != "-"):
            out.append(ch)
    return "".join(out).strip("-")


def read_settings(path: Path, data: bytes) -> Parsed:
    parsed = Parsed()
    if data.lstrip()[:1] != b"{":
        parsed.skipped["torn or malformed JSON document"] += 1
        return parsed
    doc = decode_counted(_DECODER, data, parsed.skipped, "document")
    if doc is None or doc.tokenUsage is None:
        return parsed
    parsed.usage_records = 1
    got = read_counts(doc.tokenUsage, _COUNTS)
    if got is False or got is None:
        parsed.skipped["invalid token counts"] += 1
        return parsed
    inp, write, read, out, thinking = got
    if not (inp or write or read or out or thinking):
        if only_a_total(doc.tokenUsage, ("totalTokens",)):
            parsed.skipped["only a total, no split by token type"] += 1
        return parsed
    ts_ms = parse_iso_ms(doc.providerLockTimestamp) or _modified_ms(path)
    if ts_ms is None:
        parsed.skipped["missing or invalid timestamp"] += 1
        return parsed
    raw_model = text_or_none(doc.model)
    model = (normalize_model(raw_model) if raw_model else "") or "unknown"
    session = path.name[: -len(_SUFFIX)] if path.name.endswith(_SUFFIX) else path.stem
    # Thinking tokens are kept apart from outputTokens and billed as output (ccusage prices them so too).
    parsed.calls.append(ApiCall(source=SOURCE, dedupe_key=call_key(SOURCE, session), session_key=session,
                                ts_ms=ts_ms, model=model, input=inp, cache_write_5m=write, cache_read=read,
                                output=out + thinking, reasoning=thinking))
    return parsed


def _modified_ms(path: Path) -> int | None:
    """When the file was last written: the session's time when its settings name none (as ccusage dates it)."""
    try:
        return plausible_ms(os.stat(path).st_mtime_ns // 1_000_000)
    except OSError:
        return None
