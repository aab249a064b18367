"""Gemini CLI chat records to ApiCall records: one call per `type: "gemini"` message with `tokens`.

Counting rules (cached ⊂ input, tool prompt tokens added to input, thoughts billed as output): README.md here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.fields import call_key, parse_iso_ms
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "gemini"


class _Tokens(msgspec.Struct):
    input: Any = None
    output: Any = None
    cached: Any = None
    thoughts: Any = None
    tool: Any = None
    total: Any = None


class _Message(msgspec.Struct):
    # Only what we count is declared: msgspec skips content, thoughts and tool results unread.
    id: Any = None
    type: Any = None
    timestamp: Any = None
    model: Any = None
    tokens: Any = None


class _Session(msgspec.Struct):
    sessionId: Any = None
    startTime: Any = None
    lastUpdated: Any = None
    # Each message is decoded on its own: as `list[_Message]`, one message that was not an object (or too
    # deeply nested) failed the whole document and lost every other message's call with it.
    messages: list[msgspec.Raw] | None = None


class _Line(msgspec.Struct):
    """A JSONL line: the session header, a `{"$set": …}` patch, or a message (fields of both kinds)."""

    sessionId: Any = None
    startTime: Any = None
    id: Any = None
    type: Any = None
    timestamp: Any = None
    model: Any = None
    tokens: Any = None


_DOC = msgspec.json.Decoder(_Session)
_MESSAGE = msgspec.json.Decoder(_Message)
_LINE = msgspec.json.Decoder(_Line)
_TOKEN_FIELDS = ("input", "cached", "tool", "output", "thoughts")

# (uncached input, cache read, output incl. thoughts, thoughts)
Counts = tuple[int, int, int, int]


def counts(raw: object) -> Counts | Literal[False] | None:
    """A `tokens` object as disjoint counts; None when absent or all zero, False when a count is invalid."""
    if not isinstance(raw, dict):
        return None if raw is None else False
    values: dict[str, int] = {}
    for name in _TOKEN_FIELDS:
        value = raw.get(name)
        if value is None:
            values[name] = 0
        elif valid_count(value):
            values[name] = value
        else:
            return False
    cached = min(values["cached"], values["input"])  # the API's promptTokenCount includes the cached part
    # toolUsePromptTokenCount is input the model read on top of promptTokenCount (total = in + out + thoughts + tool)
    uncached = values["input"] - cached + values["tool"]
    thoughts = values["thoughts"]
    output = values["output"] + thoughts  # thoughts are billed as output and not part of candidatesTokenCount
    if not (uncached or cached or output):
        return None
    return uncached, cached, output, thoughts


class _Counter:
    """Shared by the document and the line readers: turns one message into a call, counting what it skips."""

    def __init__(self) -> None:
        self.skipped: Counter[str] = Counter()
        self.usage_records = 0
        self.rejected = 0  # messages counted in `skipped` so far

    def call(self, msg: _Message | _Line, session: str, fallback_ms: int | None,
             model_hint: str | None) -> ApiCall | None:
        if msg.type != "gemini" or msg.tokens is None:
            return None
        self.usage_records += 1
        got = counts(msg.tokens)
        if got is False:
            self.skipped["invalid token counts"] += 1
            self.rejected += 1
            return None
        if got is None:
            return None  # an empty placeholder written before the response arrived
        ts_ms = parse_iso_ms(msg.timestamp) or fallback_ms
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            self.rejected += 1
            return None
        model = msg.model if isinstance(msg.model, str) and msg.model else model_hint or "unknown"
        uncached, cached, output, thoughts = got
        if isinstance(msg.id, str) and msg.id:
            key = call_key(SOURCE, session, msg.id)  # a rewritten message keeps its id: stored once
        else:
            key = call_key(SOURCE, session, "noid", ts_ms, model, *got)
        return ApiCall(source=SOURCE, dedupe_key=key, session_key=session, ts_ms=ts_ms, model=model,
                       input=uncached, cache_read=cached, output=output, reasoning=thoughts)


def read_document(path: Path, data: bytes) -> Parsed:
    """A classic `session-*.json` chat: `{sessionId, startTime, messages: [...]}`, rewritten on every turn."""
    parsed = Parsed()
    head = data.lstrip()[:1]
    if head != b"{":
        if head and head != b"[":  # arrays are other Gemini files (logs, checkpoints): not chats, not errors
            parsed.skipped["torn or malformed JSON document"] += 1
        return parsed
    try:
        doc = _DOC.decode(data)
    except msgspec.ValidationError:
        parsed.skipped["record of an unexpected shape"] += 1
        return parsed
    except (msgspec.DecodeError, UnicodeDecodeError):
        parsed.skipped["torn or malformed JSON document"] += 1  # caught mid-rewrite: read again when it changes
        return parsed
    except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
        parsed.skipped["JSON nested too deep"] += 1
        return parsed
    if not doc.messages:
        return parsed
    session = doc.sessionId if isinstance(doc.sessionId, str) and doc.sessionId else path.stem
    fallback = parse_iso_ms(doc.startTime) or parse_iso_ms(doc.lastUpdated)
    counter = _Counter()
    model: str | None = None
    for raw in doc.messages:
        msg = _decode_message(raw, counter.skipped)
        if msg is None:
            continue
        call = counter.call(msg, session, fallback, model)
        if call is not None:
            model = call.model
            parsed.calls.append(call)
    parsed.usage_records = counter.usage_records
    parsed.skipped.update(counter.skipped)
    return parsed


def _decode_message(raw: msgspec.Raw, skipped: Counter[str]) -> _Message | None:
    try:
        return _MESSAGE.decode(raw)
    except msgspec.ValidationError:
        skipped["record of an unexpected shape"] += 1
    except (msgspec.DecodeError, UnicodeDecodeError):
        skipped["torn or malformed JSON document"] += 1
    except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
        skipped["JSON nested too deep"] += 1
    return None


class GeminiLineParser:
    """The newer JSONL chat: header, `$set` patch lines and message lines; a message id written again is
    the same call (the ledger keeps one record per id)."""

    def __init__(self, path: Path, state: Mapping[str, Any] | None) -> None:
        st = dict(state or {})
        self._counter = _Counter()
        self.skipped = self._counter.skipped
        self.duplicates = 0  # a message written again is merged by the ledger, not here
        self._session: str = st.get("session") or path.stem
        self._start_ms: int | None = st.get("start_ms")
        self._model: str | None = st.get("model")

    @property
    def usage_records(self) -> int:
        return self._counter.usage_records

    def state(self) -> dict[str, Any]:
        return {"session": self._session, "start_ms": self._start_ms, "model": self._model}

    def feed(self, line: bytes) -> ApiCall | None:
        stripped = line.strip()
        if not stripped:
            return None
        try:
            rec = _LINE.decode(stripped)
        except msgspec.ValidationError:
            self.skipped["record of an unexpected shape"] += 1
            return None
        except (msgspec.DecodeError, UnicodeDecodeError):
            self.skipped["torn or malformed JSON line"] += 1
            return None
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            self.skipped["JSON nested too deep"] += 1
            return None
        if isinstance(rec.sessionId, str) and rec.sessionId:
            self._session = rec.sessionId
            self._start_ms = parse_iso_ms(rec.startTime) or self._start_ms
        rejected = self._counter.rejected
        call = self._counter.call(rec, self._session, self._start_ms, self._model)
        # A message skipped as bad is skipped whole: its model named the model of the next messages that
        # lack one, so a garbage line changed its neighbours' calls.
        if isinstance(rec.model, str) and rec.model and self._counter.rejected == rejected:
            self._model = rec.model
        return call
