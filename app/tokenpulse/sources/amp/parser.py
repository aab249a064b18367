"""An Amp thread document to ApiCall records: one per usage-ledger event, or per assistant message's usage.

Rules (ledger first, cache split from the message the event points at): README.md here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.decoding import decode_counted, only_a_total, read_counts, text_or_none
from tokenpulse.sources.fields import call_key, parse_iso_ms
from tokenpulse.usage import ApiCall

SOURCE = "amp"
_MESSAGE_COUNTS = ("inputTokens", "cacheCreationInputTokens", "cacheReadInputTokens", "outputTokens")
_CACHE_COUNTS = ("cacheCreationInputTokens", "cacheReadInputTokens")
_EVENT_COUNTS = ("input", "output")


class _Ledger(msgspec.Struct):
    events: list[msgspec.Raw] | None = None


class _Thread(msgspec.Struct):
    # Only what we count is declared: msgspec skips message content, tool results and the environment unread.
    id: Any = None
    messages: list[msgspec.Raw] | None = None
    usageLedger: msgspec.Raw = msgspec.Raw()  # empty when absent; decoded on its own, as each message


class _Message(msgspec.Struct):
    role: Any = None
    messageId: Any = None
    timestamp: Any = None
    model: Any = None
    usage: Any = None


class _Event(msgspec.Struct):
    id: Any = None
    timestamp: Any = None
    model: Any = None
    tokens: Any = None
    toMessageId: Any = None


_THREAD = msgspec.json.Decoder(_Thread)
_LEDGER = msgspec.json.Decoder(_Ledger)
_MESSAGE = msgspec.json.Decoder(_Message)
_EVENT = msgspec.json.Decoder(_Event)


def read_thread(path: Path, data: bytes) -> Parsed:
    """Every call in a thread; a thread caught mid-rewrite is counted as malformed and read again later."""
    parsed = Parsed()
    if data.lstrip()[:1] != b"{":
        parsed.skipped["torn or malformed JSON document"] += 1
        return parsed
    doc = decode_counted(_THREAD, data, parsed.skipped, "document")
    if doc is None:
        return parsed
    thread = text_or_none(doc.id) or path.stem
    messages = [m for m in (_decode(_MESSAGE, raw, parsed.skipped) for raw in doc.messages or []) if m is not None]
    events = _ledger_events(doc.usageLedger, parsed.skipped)
    if events:
        cache = _cache_by_message(messages)
        for event in events:
            _add(parsed, _event_call(event, thread, cache, parsed.skipped))
    else:
        for message in messages:
            if message.role == "assistant" and message.usage is not None:
                _add(parsed, _message_call(message, thread, parsed.skipped))
    return parsed


def _ledger_events(raw: msgspec.Raw, skipped: Counter[str]) -> list[_Event]:
    if not raw or bytes(raw) == b"null":
        return []
    ledger = _decode(_LEDGER, raw, skipped)
    if ledger is None:
        return []
    return [e for e in (_decode(_EVENT, item, skipped) for item in ledger.events or []) if e is not None]


def _decode(decoder: msgspec.json.Decoder[Any], raw: msgspec.Raw, skipped: Counter[str]) -> Any:
    # one message or event that is not an object costs the others nothing
    return decode_counted(decoder, raw, skipped, "document")


def _add(parsed: Parsed, outcome: ApiCall | bool) -> None:
    """`outcome` is the call, True for a usage record that gave none, False for no usage record."""
    if outcome is False:
        return
    parsed.usage_records += 1
    if isinstance(outcome, ApiCall):
        parsed.calls.append(outcome)


def _message_key(value: object) -> str | None:
    """Amp's message ids are integers; a string id is accepted as written."""
    if type(value) is int:
        return str(value)
    return text_or_none(value)


def _cache_by_message(messages: list[_Message]) -> dict[str, tuple[int, int] | None]:
    """message id → (cache writes, cache reads) of its usage; None when those counts are not counts."""
    out: dict[str, tuple[int, int] | None] = {}
    for message in messages:
        mid = _message_key(message.messageId)
        if message.role != "assistant" or mid is None:
            continue
        got = read_counts(message.usage, _CACHE_COUNTS)
        if got is False:
            out[mid] = None
        else:
            out[mid] = (got[0], got[1]) if got else (0, 0)
    return out


def _event_call(event: _Event, thread: str, cache: dict[str, tuple[int, int] | None],
                skipped: Counter[str]) -> ApiCall | bool:
    if event.tokens is None:
        return False
    got = read_counts(event.tokens, _EVENT_COUNTS)
    split = cache.get(_message_key(event.toMessageId) or "", (0, 0))
    if got is False or split is None:
        skipped["invalid token counts"] += 1
        return True
    assert got is not None
    inp, out = got
    write, read = split
    if not (inp or out or write or read):
        if only_a_total(event.tokens, ("total",)):
            skipped["only a total, no split by token type"] += 1
        return True
    ts_ms = parse_iso_ms(event.timestamp)
    if ts_ms is None:
        skipped["missing or invalid timestamp"] += 1
        return True
    model = text_or_none(event.model) or "unknown"
    eid = text_or_none(event.id)
    key = call_key(SOURCE, thread, "event", eid) if eid else call_key(SOURCE, thread, "noid", ts_ms, model, inp,
                                                                      write, read, out)
    return ApiCall(source=SOURCE, dedupe_key=key, session_key=thread, ts_ms=ts_ms, model=model, input=inp,
                   cache_write_5m=write, cache_read=read, output=out)


def _message_call(message: _Message, thread: str, skipped: Counter[str]) -> ApiCall | bool:
    usage = message.usage
    got = read_counts(usage, _MESSAGE_COUNTS)
    if got is False:
        skipped["invalid token counts"] += 1
        return True
    assert got is not None and isinstance(usage, dict)
    inp, write, read, out = got
    if not (inp or write or read or out):
        if only_a_total(usage, ("totalTokens",)):
            skipped["only a total, no split by token type"] += 1
        return True  # a placeholder written before the response arrived
    ts_ms = parse_iso_ms(usage.get("timestamp")) or parse_iso_ms(message.timestamp)
    if ts_ms is None:
        skipped["missing or invalid timestamp"] += 1
        return True
    model = text_or_none(usage.get("model")) or text_or_none(message.model) or "unknown"
    mid = _message_key(message.messageId)
    key = call_key(SOURCE, thread, "message", mid) if mid else call_key(SOURCE, thread, "noid", ts_ms, model, inp,
                                                                        write, read, out)
    return ApiCall(source=SOURCE, dedupe_key=key, session_key=thread, ts_ms=ts_ms, model=model, input=inp,
                   cache_write_5m=write, cache_read=read, output=out)
