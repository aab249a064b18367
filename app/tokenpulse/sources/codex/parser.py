"""Codex rollout lines to ApiCall records: cumulative token_count snapshots become per-call increments.

The counting rules (re-emits, resets, stale snapshots, fork replays) are documented in README.md here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.native import accelerator
from tokenpulse.native.pyscan import CODEX_NEEDLES, TORN, count_torn, decode_block
from tokenpulse.sources.codex.limits import LIMIT_HIT_NEEDLE, LIMIT_LINE_MAX, CodexLimitReader
from tokenpulse.sources.fields import call_key, parse_iso_ms, text_or_none
from tokenpulse.usage import MAX_TOKENS, ApiCall, valid_count

SOURCE = "codex"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_NEEDLES = CODEX_NEEDLES
# A drop of the cumulative total smaller than this share is an out-of-order stale snapshot, not a reset.
_STALE_SHARE = 0.02

# (input incl. cached, cached, output incl. reasoning, reasoning, cache_write)
Usage5 = tuple[int, int, int, int, int]


class _Payload(msgspec.Struct):
    type: Any = None
    info: Any = None
    model: Any = None
    cwd: Any = None
    id: Any = None
    forked_from_id: Any = None
    parent_thread_id: Any = None
    source: Any = None
    timestamp: Any = None


class _Line(msgspec.Struct):
    timestamp: Any = None
    type: Any = None
    payload: _Payload | None = None


_DECODER = msgspec.json.Decoder(_Line)


def _usage(raw: object) -> Usage5 | bool | None:
    """A usage object as a tuple; None when absent or empty, False when present but invalid."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return False
    if not raw:
        return None
    get = raw.get
    cached = get("cached_input_tokens")
    if cached is None:
        cached = get("cache_read_input_tokens")  # an alias some builds and parsers use
    values = (get("input_tokens"), cached, get("output_tokens"), get("reasoning_output_tokens"),
              get("cache_write_input_tokens"))
    for value in values:
        if value is not None and not valid_count(value):
            return False
    inp, cache_read, out, reasoning, cache_write = values
    return (inp or 0, cache_read or 0, out or 0, reasoning or 0, cache_write or 0)


def _parent_of(payload: _Payload) -> str | None:
    for candidate in (payload.forked_from_id, payload.parent_thread_id):
        if isinstance(candidate, str) and candidate:
            return candidate
    source = payload.source
    if isinstance(source, dict):
        spawn = (source.get("subagent") or {}) if isinstance(source.get("subagent"), dict) else {}
        thread_spawn = spawn.get("thread_spawn")
        if isinstance(thread_spawn, dict) and isinstance(thread_spawn.get("parent_thread_id"), str):
            return thread_spawn["parent_thread_id"]
    return None


class _State:
    """The parser's state on the Python path; with the accelerator its CodexReader holds the same attributes."""

    __slots__ = ("cwd", "duplicates", "fork_start_ms", "meta_seen", "model", "parent", "prev", "session",
                 "usage_records")

    def __init__(self, session: str) -> None:
        self.session = session
        self.prev: Usage5 | None = None
        self.model: str | None = None
        self.parent: str | None = None
        self.cwd: str | None = None
        self.meta_seen = False
        self.fork_start_ms: int | None = None
        self.usage_records = 0
        self.duplicates = 0  # re-emitted snapshots


def _count(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_TOKENS


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


class CodexLineParser:
    """Per-file state machine over token_count events (see README.md for each rule and its source)."""

    def __init__(self, path: Path, state: Mapping[str, Any] | None) -> None:
        self.skipped: Counter[str] = Counter()
        st = dict(state or {})
        session = st.get("session")
        session = session if isinstance(session, str) and session else _session_from_name(path)
        # The accelerator's reader holds the state and counts tokens in C (`_on_usage`); the metadata and turn
        # contexts decoded here set the same state, so both see it in line order.
        self._accelerator = accelerator
        self._on_usage_fn: Callable[..., ApiCall | None] = self._on_usage
        self._st: Any = _State(session)
        if accelerator is not None:
            self._st = accelerator.CodexReader(session, self.skipped, ApiCall, parse_iso_ms)
            self._on_usage_fn = self._st.on_usage
        # a saved state is ours, but read defensively: a value of another type is dropped, never used
        prev = st.get("prev_total")
        if isinstance(prev, list) and len(prev) == 5 and all(_count(v) for v in prev):
            self._st.prev = (prev[0], prev[1], prev[2], prev[3], prev[4])
        self._st.model = _text(st.get("model"))
        self._st.parent = _text(st.get("parent"))
        self._st.cwd = _text(st.get("cwd"))
        self._st.meta_seen = bool(st.get("meta_seen"))
        fork = st.get("fork_start_ms")
        self._st.fork_start_ms = fork if type(fork) is int and abs(fork) < 2**62 else None
        self.limits = CodexLimitReader()  # plan limits (issue 11): the side channel linefile hands to the store

    @property
    def usage_records(self) -> int:
        return int(self._st.usage_records)

    @property
    def duplicates(self) -> int:
        return int(self._st.duplicates)

    def state(self) -> dict[str, Any]:
        st = self._st
        return {
            "prev_total": list(st.prev) if st.prev is not None else None,
            "model": st.model, "session": st.session, "parent": st.parent, "cwd": st.cwd,
            "meta_seen": st.meta_seen, "fork_start_ms": st.fork_start_ms,
        }

    def feed(self, line: bytes) -> ApiCall | None:
        if not any(needle in line for needle in _NEEDLES):
            stripped = line.strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                self.skipped[TORN] += 1
            return None
        return self._decode(line)

    def feed_block(self, data: bytes, start: int, end: int) -> list[ApiCall]:
        """The calls of the complete lines in `data[start:end]`: what `feed` gives for each line, in order.

        The accelerator reads each `token_count` event itself: its plan-limit reading goes to `limits`, its
        call is made by the reader (`_on_usage` in C); any other line with a needle (metadata, turn contexts,
        whatever it is unsure of) goes to `_decode`, where it stands. The Python twin returns the needle lines,
        each decoded here.
        """
        if self._accelerator is not None:
            keys_before, torn_known = len(self.skipped), TORN in self.skipped
            calls, torn = self._accelerator.codex_block(data, start, end, self._st, self._decode,
                                                        self.limits.feed_token_count)
            if torn:
                count_torn(self.skipped, torn, keys_before, torn_known)
            return calls
        return decode_block(data, start, end, CODEX_NEEDLES, self._decode, self.skipped)

    def _decode(self, line: bytes | memoryview) -> ApiCall | None:
        try:
            rec = _DECODER.decode(line)
        except msgspec.ValidationError:
            self.skipped["record of an unexpected shape"] += 1
            return None
        except msgspec.DecodeError:
            self.skipped[TORN] += 1
            return None
        except UnicodeDecodeError:  # bad bytes inside a field we decode as text
            self.skipped["invalid UTF-8 in a field"] += 1
            return None
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            self.skipped["JSON nested too deep"] += 1
            return None
        payload = rec.payload
        if payload is None:
            return None
        st = self._st
        if rec.type == "turn_context":
            if isinstance(payload.model, str) and payload.model:
                st.model = payload.model
            if isinstance(payload.cwd, str) and payload.cwd:
                st.cwd = payload.cwd
        elif rec.type == "session_meta":
            self._on_meta(payload, rec.timestamp)
        elif rec.type == "event_msg" and payload.type == "token_count":
            self.limits.feed(line, st.session, st.model)  # plan limits (issue 11): its rate-limit reading
            ts = rec.timestamp
            return self._on_token_count(payload.info, text_or_none(payload.model), ts if isinstance(ts, str) else None)
        # plan limits (issue 11, sources/codex/limits.py): a turn stopped by the plan's limit (a short line; the
        # accelerator hands such lines back to be decoded here)
        if len(line) <= LIMIT_LINE_MAX and LIMIT_HIT_NEEDLE in bytes(line):
            self.limits.feed(line, st.session, st.model)
        return None

    def _on_meta(self, payload: _Payload, line_ts: object) -> None:
        st = self._st
        if st.meta_seen:
            return  # later metas in one file are replayed parents or in-file review sub-agents
        st.meta_seen = True
        if isinstance(payload.id, str) and payload.id:
            st.session = payload.id
        if isinstance(payload.cwd, str) and payload.cwd:
            st.cwd = payload.cwd
        st.parent = _parent_of(payload)
        if st.parent is not None:
            # A fork or spawned sub-agent replays its parent's history first, stamped before it began.
            st.fork_start_ms = parse_iso_ms(payload.timestamp) or parse_iso_ms(line_ts)

    def _on_token_count(self, info: object, payload_model: str | None, ts: str | int | None) -> ApiCall | None:
        """A token_count event's `info`, its payload's model (non-empty or None) and its timestamp text (or the
        epoch milliseconds the accelerator already read from it)."""
        if info is None:
            return None  # rate-limit-only event
        if not isinstance(info, dict):
            self.skipped["record of an unexpected shape"] += 1
            return None
        return self._on_usage_fn(_usage(info.get("total_token_usage")), _usage(info.get("last_token_usage")),
                                 info.get("model"), payload_model, ts)

    def _on_usage(self, total: Usage5 | bool | None, last: Usage5 | bool | None, info_model: object,
                  payload_model: str | None, ts: str | int | None) -> ApiCall | None:
        """A token_count event with `info`: its two usages as `_usage` reads them, and its models and stamp."""
        if total is False or last is False:
            self.skipped["invalid token counts"] += 1
            return None
        if total is None and last is None:
            return None
        assert total is not True and last is not True  # _usage gives a count tuple, False or None
        st = self._st
        st.usage_records += 1
        increment = self._increment(total, last)
        if increment is None:
            return None
        ts_ms = ts if type(ts) is int else parse_iso_ms(ts)
        if ts_ms is None:
            self.skipped["missing or invalid timestamp"] += 1
            return None
        if st.fork_start_ms is not None:
            if ts_ms < st.fork_start_ms:
                self.skipped["replayed parent history (fork or sub-agent)"] += 1
                return None
            # the replayed history is a prefix: once the fork's own calls begin, a later one stamped before
            # the fork's start (the clock was set back) is still its own
            st.fork_start_ms = None
        model = next((m for m in (info_model, payload_model, st.model) if isinstance(m, str) and m), "unknown")
        inp, cached, out, reasoning, cache_write = increment
        cached = min(cached, inp)
        cache_write = min(cache_write, inp - cached)
        identity = total if total is not None else ("last", *increment)
        return ApiCall(
            source=SOURCE, dedupe_key=call_key(SOURCE, ts_ms, *identity), session_key=st.session,
            ts_ms=ts_ms, model=model, input=inp - cached - cache_write, cache_write_5m=cache_write,
            cache_read=cached, output=out, reasoning=min(reasoning, out), project=st.cwd,
            parent_session_key=st.parent,
        )

    def _increment(self, total: Usage5 | None, last: Usage5 | None) -> Usage5 | None:
        st = self._st
        prev = st.prev
        if total is None:
            increment = last
        elif prev is None:
            # a resumed or forked file can start with an inherited total: count only its last call
            increment = last if last is not None else total
        elif total == prev:
            st.duplicates += 1
            return None
        elif all(t >= p for t, p in zip(total, prev)):
            increment = tuple(t - p for t, p in zip(total, prev))
        else:
            drop = (prev[0] + prev[2]) - (total[0] + total[2])
            last_size = (last[0] + last[2]) if last is not None else 0
            if 0 < drop <= max(_STALE_SHARE * (prev[0] + prev[2]), 2 * last_size):
                self.skipped["stale out-of-order snapshot"] += 1
                return None
            increment = last if last is not None else total  # a reset: compaction or a new process
        assert increment is not None
        if not any(increment):
            return None  # zero totals after compaction: keep the old baseline
        if total is not None:
            st.prev = total
        return increment


def _session_from_name(path: Path) -> str:
    match = _UUID.search(path.stem)
    return match.group(0) if match else path.stem
