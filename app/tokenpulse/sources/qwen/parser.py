"""Qwen Code chat lines to ApiCall records: `usageMetadata` on `assistant` records, one call each.

Each API call is logged twice, on the assistant record and on a `system`/`ui_telemetry` event; only the
assistant record is counted (rules: README.md here).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

import msgspec

from tokenpulse.sources.fields import call_key, parse_iso_ms
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "qwen"
_FIELDS = ("promptTokenCount", "cachedContentTokenCount", "candidatesTokenCount", "thoughtsTokenCount")


class _Line(msgspec.Struct):
    # Only the fields we use are declared: msgspec skips message parts and tool results unread.
    uuid: Any = None
    sessionId: Any = None
    timestamp: Any = None
    type: Any = None
    cwd: Any = None
    model: Any = None
    usageMetadata: Any = None


_DECODER = msgspec.json.Decoder(_Line)

# (uncached input, cache read, output incl. thoughts, thoughts)
Counts = tuple[int, int, int, int]


def counts(usage: object) -> Counts | Literal[False] | None:
    """Gemini-style usageMetadata as disjoint counts; None when empty, False when a count is invalid."""
    if not isinstance(usage, dict):
        return None if usage is None else False
    values = []
    for name in _FIELDS:
        value = usage.get(name)
        if value is None:
            values.append(0)
        elif valid_count(value):
            values.append(value)
        else:
            return False
    prompt, cached, candidates, thoughts = values
    total = usage.get("totalTokenCount")
    cached = min(cached, prompt)  # promptTokenCount includes the cached part
    # Qwen's OpenAI-compatible path copies completion_tokens (reasoning included) into candidatesTokenCount;
    # a Gemini-style response keeps thoughts apart, which totalTokenCount = prompt + candidates + thoughts shows.
    if thoughts and valid_count(total) and total == prompt + candidates + thoughts:
        output = candidates + thoughts
    else:
        output = candidates
        thoughts = min(thoughts, candidates)
    if not (prompt or output):
        return None
    return prompt - cached, cached, output, thoughts


class QwenLineParser:
    """Stateless per line; the store keeps one record per assistant `uuid` across files."""

    def __init__(self, path: Path) -> None:
        self.skipped: Counter[str] = Counter()
        self.usage_records = 0
        self.duplicates = 0  # stateless: the ledger drops repeated uuids
        self._fallback_session = path.stem

    def state(self) -> dict[str, Any]:
        return {}

    def feed(self, line: bytes) -> ApiCall | None:
        if b'"usageMetadata"' not in line:
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped["torn or malformed JSON line"] += 1
            return None
        try:
            rec = _DECODER.decode(line)
        except msgspec.ValidationError:
            self.skipped["record of an unexpected shape"] += 1
            return None
        except (msgspec.DecodeError, UnicodeDecodeError):
            self.skipped["torn or malformed JSON line"] += 1
            return None
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            self.skipped["JSON nested too deep"] += 1
            return None
        if rec.type != "assistant" or rec.usageMetadata is None:
            return None  # the ui_telemetry copy of the same call is never counted
        self.usage_records += 1
        got = counts(rec.usageMetadata)
        if got is False:
            self.skipped["invalid token counts"] += 1
            return None
        if got is None:
            return None
        ts_ms = parse_iso_ms(rec.timestamp)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        session = rec.sessionId if isinstance(rec.sessionId, str) and rec.sessionId else self._fallback_session
        model = rec.model if isinstance(rec.model, str) and rec.model else "unknown"
        if isinstance(rec.uuid, str) and rec.uuid:
            key = call_key(SOURCE, rec.uuid)  # a record copied into a resumed chat keeps its uuid
        else:
            key = call_key(SOURCE, "noid", session, ts_ms, model, *got)
        uncached, cached, output, thoughts = got
        return ApiCall(source=SOURCE, dedupe_key=key, session_key=session, ts_ms=ts_ms, model=model,
                       input=uncached, cache_read=cached, output=output, reasoning=thoughts,
                       project=rec.cwd if isinstance(rec.cwd, str) and rec.cwd else None)
