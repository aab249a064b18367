"""A Cline-family task's `ui_messages.json` to ApiCall records: one per finished API request.

The extension shows each request as a `say: "api_req_started"` message whose `text` is a JSON object; once the
response has streamed, it holds `tokensIn`, `tokensOut`, `cacheWrites` and `cacheReads`. Counting rules:
the README of `cline/`, `roo_code/` or `kilo_code/`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.decoding import decode_counted, read_counts, text_or_none
from tokenpulse.sources.fields import call_key, plausible_ms
from tokenpulse.usage import ApiCall

_COUNTS = ("tokensIn", "cacheWrites", "cacheReads", "tokensOut")


class _Head(msgspec.Struct):
    # Message text (prompts, replies, tool output) is not declared: msgspec skips it unread.
    ts: Any = None
    type: Any = None
    say: Any = None
    modelInfo: Any = None


class _Text(msgspec.Struct):
    text: Any = None


class _ApiRequest(msgspec.Struct):
    # The request text the extension keeps beside the counts is not declared, so it is never decoded.
    tokensIn: Any = None
    tokensOut: Any = None
    cacheWrites: Any = None
    cacheReads: Any = None
    apiProtocol: Any = None


_MESSAGES = msgspec.json.Decoder(list[msgspec.Raw])
_HEAD = msgspec.json.Decoder(_Head)
_TEXT = msgspec.json.Decoder(_Text)
_REQUEST = msgspec.json.Decoder(_ApiRequest)


def read_task(path: Path, data: bytes, source: str) -> Parsed:
    """Every finished request of one task; the task id (its folder) is the session."""
    parsed = Parsed()
    if data.lstrip()[:1] != b"[":
        parsed.skipped["torn or malformed JSON document"] += 1
        return parsed
    messages = decode_counted(_MESSAGES, data, parsed.skipped, "document")
    task = path.parent.name or "unknown"
    for raw in messages or []:
        head = decode_counted(_HEAD, raw, parsed.skipped, "document")
        if head is None or head.say != "api_req_started" or head.type not in ("say", None):
            continue
        call = _request_call(raw, head, task, source, parsed.skipped)
        if call is not False:
            parsed.usage_records += 1
            if call is not True:
                parsed.calls.append(call)
    return parsed


def _request_call(raw: msgspec.Raw, head: _Head, task: str, source: str,
                  skipped: Counter[str]) -> ApiCall | bool:
    """The call; True for a request with usage that gave none; False for a request without usage yet."""
    holder = decode_counted(_TEXT, raw, skipped, "document")
    text = holder.text if holder is not None else None
    if not isinstance(text, str) or not text:
        return False
    request = decode_counted(_REQUEST, text, skipped, "document")
    if request is None:
        return True
    got = read_counts({"tokensIn": request.tokensIn, "tokensOut": request.tokensOut,
                       "cacheWrites": request.cacheWrites, "cacheReads": request.cacheReads}, _COUNTS)
    if got is False or got is None:
        skipped["invalid token counts"] += 1
        return True
    inp, write, read, out = got
    if not (inp or write or read or out):
        return False  # started, not finished (or cancelled before any usage came back)
    if request.apiProtocol == "openai":
        # OpenAI-style providers report input with the cached tokens inside it (Roo's and Kilo's own cost
        # formula subtracts them); Anthropic-style ones, and Cline throughout, report them apart.
        read = min(read, inp)
        write = min(write, inp - read)
        inp -= read + write
    ts_ms = plausible_ms(head.ts)
    if ts_ms is None:
        skipped["missing or invalid timestamp"] += 1
        return True
    info = head.modelInfo if isinstance(head.modelInfo, dict) else {}
    model = text_or_none(info.get("modelId")) or "unknown"
    return ApiCall(source=source, dedupe_key=call_key(source, task, ts_ms), session_key=task, ts_ms=ts_ms,
                   model=model, input=inp, cache_write_5m=write, cache_read=read, output=out)
