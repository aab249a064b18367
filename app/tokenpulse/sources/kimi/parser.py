"""Kimi CLI wire lines to ApiCall records: one per `StatusUpdate` with `token_usage` (one per model step).

Counting rules (four disjoint counts, model from the configuration): README.md here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.decoding import decode_counted, only_a_total, read_counts, text_or_none
from tokenpulse.sources.fields import call_key, plausible_ms
from tokenpulse.usage import ApiCall

SOURCE = "kimi"
# Kimi CLI's default model (its coding plan) when its configuration names none, as ccusage reads it.
DEFAULT_MODEL = "kimi-for-coding"
_COUNTS = ("input_other", "input_cache_creation", "input_cache_read", "output")
_MAX_CONFIG_BYTES = 1 << 20


class _Payload(msgspec.Struct):
    token_usage: Any = None
    message_id: Any = None


class _Message(msgspec.Struct):
    # Only the status payload is declared: turn text, tool calls and results are skipped unread.
    type: Any = None
    payload: _Payload | None = None


class _Line(msgspec.Struct):
    timestamp: Any = None
    type: Any = None
    message: _Message | None = None


_DECODER = msgspec.json.Decoder(_Line)


def configured_model(kimi_home: Path) -> str:
    """The `model` of `<kimi home>/config.json` (as ccusage reads it), else Kimi's default model."""
    try:
        with open(kimi_home / "config.json", "rb") as fh:
            data = fh.read(_MAX_CONFIG_BYTES + 1)
        config = json.loads(data) if len(data) <= _MAX_CONFIG_BYTES else None
    except (OSError, ValueError, RecursionError):
        return DEFAULT_MODEL
    return (text_or_none(config.get("model")) if isinstance(config, dict) else None) or DEFAULT_MODEL


def _seconds_to_ms(value: object) -> int | None:
    """Kimi stamps wire lines with float epoch seconds."""
    if type(value) is float and value == value and abs(value) < 1e13:  # NaN and infinities are not times
        return plausible_ms(int(value * 1000))
    if type(value) is int:
        return plausible_ms(value * 1000)
    return None


class KimiWireParser:
    """Stateless per line; a status update of a message already seen is the same call (the ledger keeps one)."""

    def __init__(self, path: Path, model: str) -> None:
        self.skipped: Counter[str] = Counter()
        self.usage_records = 0
        self.duplicates = 0
        self._session = path.parent.name or "unknown"
        self._model = model

    def state(self) -> dict[str, Any]:
        return {}

    def feed(self, line: bytes) -> ApiCall | None:
        if b'"token_usage"' not in line:
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped["torn or malformed JSON line"] += 1
            return None
        rec = decode_counted(_DECODER, line, self.skipped)
        if rec is None or rec.type == "metadata":
            return None
        msg = rec.message
        if msg is None or msg.type != "StatusUpdate" or msg.payload is None or msg.payload.token_usage is None:
            return None
        self.usage_records += 1
        usage = msg.payload.token_usage
        got = read_counts(usage, _COUNTS)
        if got is False or got is None:
            self.skipped["invalid token counts"] += 1
            return None
        inp, write, read, out = got
        if not (inp or write or read or out):
            if only_a_total(usage, ("total",)):
                self.skipped["only a total, no split by token type"] += 1
            return None
        ts_ms = _seconds_to_ms(rec.timestamp)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        mid = text_or_none(msg.payload.message_id)
        key = (call_key(SOURCE, self._session, mid) if mid
               else call_key(SOURCE, self._session, "noid", ts_ms, inp, write, read, out))
        return ApiCall(source=SOURCE, dedupe_key=key, session_key=self._session, ts_ms=ts_ms, model=self._model,
                       input=inp, cache_write_5m=write, cache_read=read, output=out)
