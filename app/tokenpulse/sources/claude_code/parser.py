"""Claude Code transcript lines to ApiCall records (counting rules: docs in this folder's README.md)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.claude_code.limits import LIMIT_LINE_MAX, LIMIT_NEEDLE, LIMIT_TAIL, ClaudeLimitReader
from tokenpulse.sources.fields import call_key, parse_iso_ms, short_hash
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "claude-code"
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


def _counts(usage: _Usage) -> tuple[int, int, int, int, int] | None:
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
        self.usage_records = 0
        self.duplicates = 0
        self._fallback_session, self._file_agent = _ids_from_path(path)
        self._seen: dict[tuple[str, object], ApiCall] = {}
        self.limits = ClaudeLimitReader()  # plan limits (issue 11): the side channel linefile hands to the store

    def state(self) -> dict[str, Any]:
        return {}

    def feed(self, line: bytes) -> ApiCall | None:
        if b'"usage"' not in line:
            # --- plan limits (issue 11, sources/claude_code/limits.py): a limit notice is a hit, never a call ---
            if len(line) <= LIMIT_LINE_MAX and line.find(LIMIT_NEEDLE, len(line) - LIMIT_TAIL) >= 0:
                self.limits.feed(line, self._fallback_session)
            # ---
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped["torn or malformed JSON line"] += 1
            return None
        try:
            rec = _DECODER.decode(line)
        except msgspec.ValidationError:
            self.skipped["record of an unexpected shape"] += 1
            return None
        except msgspec.DecodeError:
            self.skipped["torn or malformed JSON line"] += 1
            return None
        except UnicodeDecodeError:  # bad bytes inside a field we decode as text
            self.skipped["invalid UTF-8 in a field"] += 1
            return None
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            self.skipped["JSON nested too deep"] += 1
            return None
        msg = rec.message
        # Only top-level message.usage counts; nested usage (progress lines, tool results) never does.
        if msg is None or msg.usage is None or rec.type not in ("assistant", None):
            return None
        if msg.model == "<synthetic>":
            if LIMIT_NEEDLE in line:  # plan limits (issue 11): an older limit notice carries zero usage
                self.limits.feed(line, self._fallback_session)
            self.skipped["synthetic message (no API call)"] += 1
            return None
        self.usage_records += 1
        counts = _counts(msg.usage)
        if counts is None:
            self.skipped["invalid token counts"] += 1
            return None
        message_id = msg.id if isinstance(msg.id, str) and msg.id else None
        if message_id is not None:
            # the request id as the dedupe key reads it: a raw one could be a list (unhashable: TypeError)
            request_id = rec.requestId if isinstance(rec.requestId, str) and rec.requestId else None
            seen = self._seen.get((message_id, request_id))
            if seen is not None and seen.is_sidechain == (rec.isSidechain is True):
                self._merge(seen, rec, msg, counts)
                return None
        ts_ms = parse_iso_ms(rec.timestamp)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        call = self._call(rec, msg, counts, ts_ms)
        if message_id is not None:
            self._seen[(message_id, request_id)] = call
        return call

    def _merge(self, seen: ApiCall, rec: _Line, msg: _Message, counts: tuple[int, int, int, int, int]) -> None:
        """Fold a later streaming copy into the call already returned (the same rule as the store's)."""
        self.duplicates += 1
        inp, cw5, cw1, cread, out = counts
        if (out, inp + cw5 + cw1 + cread) <= (seen.output, seen.context):
            return
        ts_ms = parse_iso_ms(rec.timestamp)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return
        seen.input, seen.cache_write_5m, seen.cache_write_1h, seen.cache_read, seen.output = counts
        seen.ts_ms = ts_ms
        # The winning copy's model exactly as the ledger takes it when the copies arrive in two reads: keeping
        # the earlier model here made a resumed read store another model than one uninterrupted read.
        seen.model = msg.model if isinstance(msg.model, str) and msg.model else "unknown"

    def _call(self, rec: _Line, msg: _Message, counts: tuple[int, int, int, int, int], ts_ms: int) -> ApiCall:
        session = rec.sessionId if isinstance(rec.sessionId, str) and rec.sessionId else self._fallback_session
        model = msg.model if isinstance(msg.model, str) and msg.model else "unknown"
        message_id = msg.id if isinstance(msg.id, str) and msg.id else None
        request_id = rec.requestId if isinstance(rec.requestId, str) and rec.requestId else None
        inp, cw5, cw1, cread, out = counts
        if message_id and request_id:
            key = call_key(SOURCE, message_id, request_id)
        elif message_id:
            key = call_key(SOURCE, message_id)
        else:  # cannot be deduped by id: identify by content, which a replayed copy repeats exactly
            key = call_key(SOURCE, "noid", session, ts_ms, model, inp, cw5, cw1, cread, out)
        sidechain = rec.isSidechain is True
        parent = None
        if sidechain:
            agent = rec.agentId if isinstance(rec.agentId, str) and rec.agentId else self._file_agent
            parent = session
            session = f"{session}:{agent or 'sidechain'}"
        return ApiCall(
            source=SOURCE, dedupe_key=key, session_key=session, ts_ms=ts_ms, model=model,
            input=inp, cache_write_5m=cw5, cache_write_1h=cw1, cache_read=cread, output=out,
            project=project_of(rec.cwd),
            parent_session_key=parent, is_sidechain=sidechain,
            message_hash=short_hash(message_id) if message_id else None,
        )


def _ids_from_path(path: Path) -> tuple[str, str | None]:
    """(session id, sub-agent id) implied by a transcript's location, used when lines lack them."""
    stem = path.stem
    agent = stem[len("agent-"):] if stem.startswith("agent-") else None
    if path.parent.name == "subagents":
        return path.parent.parent.name, agent
    if agent is not None or stem == "chat":
        return path.parent.name, agent
    return stem, None
