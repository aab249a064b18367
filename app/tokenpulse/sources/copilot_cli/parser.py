"""Copilot CLI OpenTelemetry JSONL to ApiCall records: one call per `chat` span's `gen_ai.usage.*`.

`invoke_agent` spans roll their chat spans up and log records repeat them, so neither is counted
(rules: README.md here).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

import msgspec

from tokenpulse.sources.fields import ascii_int, call_key, parse_iso_ms, plausible_ms
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "copilot-cli"
_SESSION_ATTRS = ("gen_ai.conversation.id", "session.id", "copilot_chat.session_id", "github.copilot.session_id")
_MODEL_ATTRS = ("gen_ai.response.model", "gen_ai.request.model")

# (uncached input, cache write, cache read, output incl. reasoning, reasoning)
Counts = tuple[int, int, int, int, int]


def attributes(raw: object) -> dict[str, Any]:
    """Span attributes as a dict, from the SDK's `{key: value}` form or OTLP's `[{key, value: {intValue}}]`."""
    if isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                value = item.get("value")
                if isinstance(value, dict) and value:
                    value = next(iter(value.values()))
                out[item["key"]] = value
    return out


def _count(attrs: dict[str, Any], *names: str) -> int | Literal[False] | None:
    for name in names:
        value = attrs.get(name)
        if value is None:
            continue
        if isinstance(value, str):  # OTLP JSON writes 64-bit integers as strings
            # int() raised on "²" and on thousands of digits, which str.isdigit() lets through
            value = ascii_int(value)
        return value if valid_count(value) else False
    return None


def counts(attrs: dict[str, Any]) -> Counts | Literal[False] | None:
    raw = [_count(attrs, "gen_ai.usage.input_tokens"),
           _count(attrs, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens"),
           _count(attrs, "gen_ai.usage.cache_read.input_tokens"),
           _count(attrs, "gen_ai.usage.output_tokens"),
           _count(attrs, "gen_ai.usage.reasoning.output_tokens")]
    if any(v is False for v in raw):
        return False
    inp, write, read, out, reasoning = (v or 0 for v in raw)
    # OTel GenAI conventions: cache reads and cache writes are included in input_tokens, reasoning in output.
    read = min(read, inp)
    write = min(write, inp - read)
    if not (inp or out):
        return None
    return inp - read - write, write, read, out, min(reasoning, out)


def _ms(record: dict[str, Any]) -> int | None:
    """When the call ended: `endTime` as [seconds, nanos] (JS SDK), or OTLP's `endTimeUnixNano`, else the start."""
    # Every candidate is checked against the window of believable stamps: unchecked seconds or nanoseconds
    # gave negative stamps, or ones so large that storing them made the scan of the whole file raise.
    for name in ("endTime", "startTime"):
        value = record.get(name)
        if isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value):
            parsed = plausible_ms(value[0] * 1000 + value[1] // 1_000_000)
        elif isinstance(value, str):
            parsed = parse_iso_ms(value)
        else:
            parsed = None
        if parsed is not None:
            return parsed
    for name in ("endTimeUnixNano", "startTimeUnixNano"):
        value = record.get(name)
        if isinstance(value, str):
            value = ascii_int(value, max_digits=30)
        if type(value) is int:
            parsed = plausible_ms(value // 1_000_000)
            if parsed is not None:
                return parsed
    return None


def _first_str(attrs: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = attrs.get(name)
        if isinstance(value, str) and value:
            return value
    return None


class CopilotOtelParser:
    """Stateless per line: each chat span is one call, keyed by (traceId, spanId)."""

    def __init__(self, path: Path) -> None:
        self.skipped: Counter[str] = Counter()
        self.usage_records = 0
        self.duplicates = 0  # stateless: the ledger drops repeated span ids
        self._fallback_session = path.stem

    def state(self) -> dict[str, Any]:
        return {}

    def feed(self, line: bytes) -> ApiCall | None:
        if b"gen_ai.usage." not in line:
            # metrics, tool spans and events without usage; a torn line is counted, as every source does
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped["torn or malformed JSON line"] += 1
            return None
        try:
            rec = msgspec.json.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError):
            self.skipped["torn or malformed JSON line"] += 1
            return None
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            self.skipped["JSON nested too deep"] += 1
            return None
        if not isinstance(rec, dict):
            self.skipped["record of an unexpected shape"] += 1
            return None
        attrs = attributes(rec.get("attributes"))
        if not _is_chat_span(rec, attrs):
            return None  # invoke_agent roll-ups and inference/agent-turn logs repeat the chat spans
        self.usage_records += 1
        got = counts(attrs)
        if got is False:
            self.skipped["invalid token counts"] += 1
            return None
        if got is None:
            return None
        ts_ms = _ms(rec)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        trace, span = _ids(rec)
        session = _first_str(attrs, _SESSION_ATTRS) or trace or self._fallback_session
        model = _first_str(attrs, _MODEL_ATTRS) or "unknown"
        key = call_key(SOURCE, trace, span) if trace and span else call_key(SOURCE, "noid", session, ts_ms, model, *got)
        inp, write, read, out, reasoning = got
        return ApiCall(source=SOURCE, dedupe_key=key, session_key=session, ts_ms=ts_ms, model=model, input=inp,
                       cache_write_5m=write, cache_read=read, output=out, reasoning=reasoning)


def _is_chat_span(rec: dict[str, Any], attrs: dict[str, Any]) -> bool:
    operation = attrs.get("gen_ai.operation.name")
    name = rec.get("name")
    is_span = rec.get("type") == "span" or "spanId" in rec or "traceId" in rec or "spanContext" in rec
    named_chat = operation is None and isinstance(name, str) and name.startswith("chat ")
    return is_span and (operation == "chat" or named_chat)


def _ids(rec: dict[str, Any]) -> tuple[str | None, str | None]:
    raw_ctx = rec.get("spanContext")
    ctx: dict[str, Any] = raw_ctx if isinstance(raw_ctx, dict) else {}
    trace = rec.get("traceId") or ctx.get("traceId")
    span = rec.get("spanId") or ctx.get("spanId")
    return (trace if isinstance(trace, str) and trace else None, span if isinstance(span, str) and span else None)
