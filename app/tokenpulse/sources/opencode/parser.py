"""One OpenCode message (a legacy JSON file or a database row's `data`) to an ApiCall.

Message-level `tokens` only: `step-finish` parts repeat the same numbers and are never read (README.md here).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import msgspec

from tokenpulse.sources.fields import call_key, plausible_ms
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "opencode"


class Message(msgspec.Struct):
    # Only the fields we use are declared: msgspec skips the rest unread.
    id: Any = None
    sessionID: Any = None
    role: Any = None
    modelID: Any = None
    time: Any = None
    tokens: Any = None
    path: Any = None


DECODER = msgspec.json.Decoder(Message)

# (uncached input, cache write, cache read, output incl. reasoning, reasoning)
Counts = tuple[int, int, int, int, int]


def counts(tokens: object) -> Counts | Literal[False] | None:
    """`tokens{input, output, reasoning, cache{read, write}}` as counts; None when absent or all zero."""
    if not isinstance(tokens, dict):
        return None if tokens is None else False
    cache = tokens.get("cache")
    if cache is None:
        cache = {}
    if not isinstance(cache, dict):
        return False
    values = []
    for raw in (tokens.get("input"), cache.get("write"), cache.get("read"), tokens.get("output"),
                tokens.get("reasoning")):
        if raw is None:
            values.append(0)
        elif valid_count(raw):
            values.append(raw)
        else:
            return False
    inp, write, read, out, reasoning = values
    # OpenCode stores input without the cached parts, and output without reasoning, which it bills at the
    # output rate on top (its own cost formula): so output here is output + reasoning.
    total_out = out + reasoning
    if not (inp or write or read or total_out):
        return None
    return inp, write, read, total_out, reasoning


def created_ms(time: object) -> int | None:
    if isinstance(time, dict):
        # bounded like every stamp: `created: 10**30` reached the store and made the scan of the file raise
        return plausible_ms(time.get("created"))
    return None


def project_of(path: object) -> str | None:
    """The message's working folder (assistant messages carry `path{cwd, root}`)."""
    if isinstance(path, dict):
        for name in ("cwd", "root"):
            value = path.get(name)
            if isinstance(value, str) and value:
                return value
    return None


def message_call(msg: Message, skipped: Counter[str], *, message_id: str | None = None,
                 session: str | None = None, project: str | None = None,
                 parent: str | None = None, source: str = SOURCE) -> tuple[ApiCall | None, bool]:
    """(the call, whether the message carried usage). Database rows pass their id and session columns;
    `source` names the agent whose database it is (Kilo CLI, an OpenCode fork, writes the same messages)."""
    if msg.role not in ("assistant", None) or msg.tokens is None:
        return None, False
    got = counts(msg.tokens)
    if got is False:
        skipped["invalid token counts"] += 1
        return None, True
    if got is None:
        return None, True  # a message still streaming, or an error reply without usage
    mid = message_id or (msg.id if isinstance(msg.id, str) and msg.id else None)
    sid = session or (msg.sessionID if isinstance(msg.sessionID, str) and msg.sessionID else "unknown")
    ts_ms = created_ms(msg.time)
    if ts_ms is None:
        skipped["missing or invalid timestamp"] += 1
        return None, True
    model = msg.modelID if isinstance(msg.modelID, str) and msg.modelID else "unknown"
    inp, write, read, out, reasoning = got
    # The message id is the same in the database and in a legacy file: one record per message.
    key = call_key(source, mid) if mid else call_key(source, "noid", sid, ts_ms, model, *got)
    return ApiCall(source=source, dedupe_key=key, session_key=sid, ts_ms=ts_ms, model=model, input=inp,
                   cache_write_5m=write, cache_read=read, output=out, reasoning=reasoning,
                   project=project or project_of(msg.path), parent_session_key=parent), True


def decode_message(data: bytes, skipped: Counter[str]) -> Message | None:
    """A legacy message file; None (counted in `skipped`) when it is torn or not a message object."""
    if data.lstrip()[:1] != b"{":
        skipped["torn or malformed JSON document"] += 1
        return None
    try:
        return DECODER.decode(data)
    except msgspec.ValidationError:
        skipped["record of an unexpected shape"] += 1
    except (msgspec.DecodeError, UnicodeDecodeError):
        skipped["torn or malformed JSON document"] += 1  # caught mid-write: read again when it changes
    except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
        skipped["JSON nested too deep"] += 1
    return None
