"""pi session lines to ApiCall records: one per assistant message with `usage`.

OpenClaw runs on pi's agent core and writes the same session lines; its source reuses this parser with its
own session naming and timestamp order (README.md here and in `openclaw/`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.decoding import decode_counted, only_a_total, read_counts, text_or_none
from tokenpulse.sources.fields import call_key, parse_iso_ms, plausible_ms
from tokenpulse.usage import ApiCall

SOURCE = "pi-agent"
_COUNTS = ("input", "cacheWrite", "cacheRead", "output")


class _Message(msgspec.Struct):
    # Only what we count is declared: msgspec skips the content blocks (text, thinking, tool calls) unread.
    role: Any = None
    model: Any = None
    modelId: Any = None
    usage: Any = None
    timestamp: Any = None


class _Line(msgspec.Struct):
    type: Any = None
    id: Any = None
    cwd: Any = None
    timestamp: Any = None
    customType: Any = None
    modelId: Any = None
    model: Any = None
    data: msgspec.Raw = msgspec.Raw()  # a model snapshot's fields; decoded only for those lines
    message: _Message | None = None


class _ModelChange(msgspec.Struct):
    modelId: Any = None
    model: Any = None


_DECODER = msgspec.json.Decoder(_Line)
_CHANGE = msgspec.json.Decoder(_ModelChange)
_MARKERS = (b'"usage"', b'"session"', b'"model_change"', b'"model-snapshot"')


class PiSessionParser:
    """One call per assistant message; the header's session id and folder and the last model change are state.

    `message_time_first`: OpenClaw stamps calls with the message's own time, pi with the line's (as each
    agent's ccusage reader does). Keys are the call's content without the file, so a forked session that
    repeats its parent's messages in a new file counts them once.
    """

    def __init__(self, path: Path, state: Mapping[str, Any] | None, *, source: str = SOURCE,
                 session: str | None = None, message_time_first: bool = False) -> None:
        st = dict(state or {})
        self.skipped: Counter[str] = Counter()
        self.usage_records = 0
        self.duplicates = 0  # stateless per call: the ledger drops repeated keys
        self._source = source
        self._time_first = message_time_first
        self._session: str = st.get("session") or session or _session_from_name(path)
        self._fixed_session = session is not None
        self._project: str | None = st.get("project")
        self._model: str | None = st.get("model")

    def state(self) -> dict[str, Any]:
        return {"session": self._session, "project": self._project, "model": self._model}

    def feed(self, line: bytes) -> ApiCall | None:
        if not any(marker in line for marker in _MARKERS):
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped["torn or malformed JSON line"] += 1
            return None
        rec = decode_counted(_DECODER, line, self.skipped)
        if rec is None:
            return None
        if rec.type == "session":
            self._header(rec)
            return None
        if rec.type == "model_change" or (rec.type == "custom" and rec.customType == "model-snapshot"):
            change = decode_counted(_CHANGE, rec.data, self.skipped) if bytes(rec.data)[:1] == b"{" else None
            model = ((change and (text_or_none(change.modelId) or text_or_none(change.model)))
                     or text_or_none(rec.modelId) or text_or_none(rec.model))
            if model is not None:
                self._model = model
            return None
        msg = rec.message
        if rec.type not in ("message", None) or msg is None or msg.role != "assistant" or msg.usage is None:
            return None
        return self._call(rec, msg)

    def _header(self, rec: _Line) -> None:
        if not self._fixed_session and text_or_none(rec.id):
            self._session = rec.id
        self._project = text_or_none(rec.cwd) or self._project

    def _call(self, rec: _Line, msg: _Message) -> ApiCall | None:
        self.usage_records += 1
        got = read_counts(msg.usage, _COUNTS)
        if got is False or got is None:
            self.skipped["invalid token counts"] += 1
            return None
        inp, write, read, out = got
        if not (inp or write or read or out):
            if only_a_total(msg.usage, ("totalTokens",)):
                self.skipped["only a total, no split by token type"] += 1
            return None  # an aborted or failed turn that used nothing
        line_ms = parse_iso_ms(rec.timestamp)
        message_ms = plausible_ms(msg.timestamp) or parse_iso_ms(msg.timestamp)
        ts_ms = (message_ms or line_ms) if self._time_first else (line_ms or message_ms)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        model = text_or_none(msg.model) or text_or_none(msg.modelId) or self._model or "unknown"
        key = call_key(self._source, "content", ts_ms, model, inp, write, read, out)
        return ApiCall(source=self._source, dedupe_key=key, session_key=self._session, ts_ms=ts_ms, model=model,
                       input=inp, cache_write_5m=write, cache_read=read, output=out, project=self._project)


def _session_from_name(path: Path) -> str:
    """pi names a session file `<start time>_<session id>.jsonl`; a name without that id part is the session's."""
    stem = path.stem
    return stem.partition("_")[2] or stem
