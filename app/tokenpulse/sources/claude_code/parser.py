"""Claude Code transcript lines to ApiCall records (counting rules: docs in this folder's README.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.native import accelerator
from tokenpulse.native.pyscan import CLAUDE_NEEDLES, TORN, count_torn, decode_block
from tokenpulse.sources.claude_code.limits import LIMIT_LINE_MAX, LIMIT_NEEDLE, LIMIT_TAIL, ClaudeLimitReader
from tokenpulse.sources.fields import call_key, parse_iso_ms, short_hash, text_or_none
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "claude-code"
_TORN = TORN
_WORKTREE_MARK = "/.claude/worktrees/"


class _CacheCreation(msgspec.Struct):
    ephemeral_5m_input_tokens: Any = None
    ephemeral_1h_input_tokens: Any = None


class _Usage(msgspec.Struct):
    input_tokens: Any = None
    output_tokens: Any = None
    cache_creation_input_tokens: Any = None
    cache_read_input_tokens: Any = None
    cache_creation: _CacheCreation | None = None


class _Message(msgspec.Struct):
    id: Any = None
    model: Any = None
    usage: _Usage | None = None


class _Line(msgspec.Struct):
    # Only the fields we use are declared: msgspec skips prompt, response and tool text unread.
    type: Any = None
    timestamp: Any = None
    sessionId: Any = None
    requestId: Any = None
    isSidechain: Any = None
    agentId: Any = None
    cwd: Any = None
    message: _Message | None = None


_DECODER = msgspec.json.Decoder(_Line)


# (input, cache_write_5m, cache_write_1h, cache_read, output)
Counts = tuple[int, int, int, int, int]


def _counts(usage: _Usage) -> Counts | None:
    """(input, cache_write_5m, cache_write_1h, cache_read, output), or None if a count is not a count."""
    values = []
    for raw in (usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens,
                usage.output_tokens):
        if raw is None:
            values.append(0)  # null or missing means none of that type (splitrail's reading)
        elif valid_count(raw):
            values.append(raw)
        else:
            return None
    inp, cache_write, cache_read, out = values
    one_hour = 0
    split = usage.cache_creation
    if split is not None and valid_count(split.ephemeral_1h_input_tokens):
        # the total is authoritative; the split only says which part was written for an hour
        one_hour = min(split.ephemeral_1h_input_tokens, cache_write)
    return inp, cache_write - one_hour, one_hour, cache_read, out


def project_of(cwd: object) -> str | None:
    """The project folder of a working directory; sub-agent git worktrees fold into their project."""
    if not isinstance(cwd, str) or not cwd:
        return None
    cut = cwd.find(_WORKTREE_MARK)
    return cwd[:cut] if cut > 0 else cwd


class ClaudeLineParser:
    """Turns each usage line into one ApiCall; duplicates are resolved by the store (largest output wins).

    Streaming copies of one call within the same read are merged into the record returned first (it is
    updated in place when a later copy is larger), which saves building a record per copy.
    """

    def __init__(self, path: Path) -> None:
        self.skipped: Counter[str] = Counter()
        self._usage_records = 0
        self._duplicates = 0
        self._fallback_session, self._file_agent = _ids_from_path(path)
        self._seen: dict[tuple[str, object], ApiCall] = {}
        self.limits = ClaudeLimitReader()  # plan limits (issue 11): the side channel linefile hands to the store
        # The accelerator's reader does `_record` and `_merge` in C, for the lines it reads and for those decoded
        # here alike (one table of the calls seen, in the order of the lines); else they run in Python.
        self._accelerator = accelerator
        self._reader: Any = None
        self._record_fn: Callable[..., ApiCall | None] = self._record
        if accelerator is not None:
            self._reader = accelerator.ClaudeReader(self._fallback_session, self._file_agent, self.skipped, ApiCall,
                                                    parse_iso_ms)
            self._record_fn = self._reader.record

    @property
    def usage_records(self) -> int:
        return self._usage_records if self._reader is None else int(self._reader.usage_records)

    @property
    def duplicates(self) -> int:
        return self._duplicates if self._reader is None else int(self._reader.duplicates)

    def state(self) -> dict[str, Any]:
        return {}

    def feed(self, line: bytes) -> ApiCall | None:
        if not any(needle in line for needle in CLAUDE_NEEDLES):
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped[_TORN] += 1
            return None
        return self._decode(line)

    def feed_block(self, data: bytes, start: int, end: int) -> list[ApiCall]:
        """The calls of the complete lines in `data[start:end]`: what `feed` gives for each line, in order.

        The accelerator makes the calls of the usage lines it reads itself (its reader: `_record` in C) and
        hands each line it is not sure of to `_decode`, where it stands; the Python twin returns the lines with a
        needle, each decoded here.
        """
        if self._accelerator is not None:
            keys_before, torn_known = len(self.skipped), _TORN in self.skipped
            calls, torn = self._accelerator.claude_block(data, start, end, self._reader, self._decode)
            if torn:
                count_torn(self.skipped, torn, keys_before, torn_known)
            return calls
        return decode_block(data, start, end, CLAUDE_NEEDLES, self._decode, self.skipped)

    def _decode(self, line: bytes | memoryview) -> ApiCall | None:
        try:
            rec = _DECODER.decode(line)
        except msgspec.ValidationError:
            self.skipped["record of an unexpected shape"] += 1
            return None
        except msgspec.DecodeError:
            self.skipped[_TORN] += 1
            return None
        except UnicodeDecodeError:  # bad bytes inside a field we decode as text
            self.skipped["invalid UTF-8 in a field"] += 1
            return None
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            self.skipped["JSON nested too deep"] += 1
            return None
        msg = rec.message
        # Only top-level message.usage counts; nested usage (progress lines, tool results) never does.
        if msg is None or msg.usage is None:
            # plan limits (issue 11, sources/claude_code/limits.py): a limit notice is a hit, never a call. Such a
            # notice is short and ends with its "error" field: long lines are not searched, others only at the end.
            if len(line) <= LIMIT_LINE_MAX and bytes(line).find(LIMIT_NEEDLE, len(line) - LIMIT_TAIL) >= 0:
                self.limits.feed(line, self._fallback_session)
            return None
        if rec.type not in ("assistant", None):
            return None
        if msg.model == "<synthetic>" and LIMIT_NEEDLE in bytes(line):
            self.limits.feed(line, self._fallback_session)  # an older limit notice carries zero usage
        ts = rec.timestamp
        return self._record_fn(_counts(msg.usage), text_or_none(msg.model), text_or_none(msg.id),
                               text_or_none(rec.requestId), text_or_none(rec.sessionId),
                               ts if isinstance(ts, str) else None, rec.isSidechain is True,
                               text_or_none(rec.agentId), text_or_none(rec.cwd))

    def _record(self, counts: Counts | None, model: str | None, message_id: str | None, request_id: str | None,
                session: str | None, ts: str | int | None, sidechain: bool, agent: str | None,
                cwd: str | None) -> ApiCall | None:
        """One usage record whose text fields are non-empty strings or None; `ts` is its timestamp text, or
        the epoch milliseconds the accelerator already read from it."""
        if model == "<synthetic>":
            self.skipped["synthetic message (no API call)"] += 1
            return None
        self._usage_records += 1
        if counts is None:
            self.skipped["invalid token counts"] += 1
            return None
        if message_id is not None:
            seen = self._seen.get((message_id, request_id))
            if seen is not None and seen.is_sidechain == sidechain:
                self._merge(seen, ts, model, counts)
                return None
        ts_ms = ts if type(ts) is int else parse_iso_ms(ts)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        inp, cw5, cw1, cread, out = counts
        model = model or "unknown"
        session = session or self._fallback_session
        if message_id and request_id:
            key = call_key(SOURCE, message_id, request_id)
        elif message_id:
            key = call_key(SOURCE, message_id)
        else:  # cannot be deduped by id: identify by content, which a replayed copy repeats exactly
            key = call_key(SOURCE, "noid", session, ts_ms, model, inp, cw5, cw1, cread, out)
        parent = None
        if sidechain:
            agent = agent or self._file_agent
            parent = session
            session = f"{session}:{agent or 'sidechain'}"
        call = ApiCall(
            source=SOURCE, dedupe_key=key, session_key=session, ts_ms=ts_ms, model=model,
            input=inp, cache_write_5m=cw5, cache_write_1h=cw1, cache_read=cread, output=out,
            project=project_of(cwd), parent_session_key=parent, is_sidechain=sidechain,
            message_hash=short_hash(message_id) if message_id else None,
        )
        if message_id is not None:
            self._seen[(message_id, request_id)] = call
        return call

    def _merge(self, seen: ApiCall, ts: str | int | None, model: str | None, counts: Counts) -> None:
        """Fold a later streaming copy into the call already returned (the same rule as the store's)."""
        self._duplicates += 1
        inp, cw5, cw1, cread, out = counts
        if (out, inp + cw5 + cw1 + cread) <= (seen.output, seen.context):
            return
        ts_ms = ts if type(ts) is int else parse_iso_ms(ts)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return
        seen.input, seen.cache_write_5m, seen.cache_write_1h, seen.cache_read, seen.output = counts
        seen.ts_ms = ts_ms
        # The winning copy's model exactly as the ledger takes it when the copies arrive in two reads: keeping
        # the earlier model here made a resumed read store another model than one uninterrupted read.
        seen.model = model or "unknown"


def _ids_from_path(path: Path) -> tuple[str, str | None]:
    """(session id, sub-agent id) implied by a transcript's location, used when lines lack them."""
    stem = path.stem
    agent = stem[len("agent-"):] if stem.startswith("agent-") else None
    if path.parent.name == "subagents":
        return path.parent.parent.name, agent
    if agent is not None or stem == "chat":
        return path.parent.name, agent
    return stem, None
