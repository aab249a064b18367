"""Codex plan limits (issue 11): the rate-limit snapshots of `token_count` events, limit hits, and each chat's
context window (`model_context_window`). Fed raw lines by the parser, apart from the counting of calls.

A `token_count` payload may carry `rate_limits`: `primary` and `secondary`, each `{used_percent,
window_minutes, resets_at}` (older builds: `resets_in_seconds`, from the event's timestamp), with `plan_type`,
`limit_id`, `credits` and, newer, `rate_limit_reached_type`. A window is named by its length (300 minutes is
the 5-hour window, 10080 the weekly one), never by its slot: weekly-only plans put the weekly window in
`primary`. `codex exec` writes `rate_limits: null`. A turn stopped by the plan limit ends in a `task_complete`
(or an `error` event) whose `codex_error_info` is `usage_limit_exceeded`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tokenpulse.quota import (
    ContextWindowSeen,
    LimitHit,
    LimitRecords,
    LimitSnapshot,
    SnapshotRun,
    plausible_percent,
)
from tokenpulse.sources.fields import parse_iso_ms, plausible_ms

SOURCE = "codex"
# The parser hands over every `token_count` line it decodes (they carry the readings), and searches the lines
# it does not decode for this; such a line is short, so long lines of tool output are not searched at all.
LIMIT_HIT_NEEDLE = b"usage_limit_exceeded"
LIMIT_LINE_MAX = 16 * 1024
MAIN_LIMIT_IDS = ("", "codex")  # the account's own limit; other ids are per-model limits (kept as a scope)
LIMIT_HIT = "usage_limit_exceeded"
_HIT_EVENTS = ("task_complete", "error", "turn_aborted", "stream_error")
MIN_WINDOW, MAX_WINDOW = 1_000, 100_000_000  # tokens: a context window outside this is not one
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. ")


class _Window(msgspec.Struct):
    used_percent: Any = None
    window_minutes: Any = None
    resets_at: Any = None
    resets_in_seconds: Any = None


class _Limits(msgspec.Struct):
    primary: _Window | None = None
    secondary: _Window | None = None
    plan_type: Any = None
    limit_id: Any = None
    rate_limit_reached_type: Any = None


class _Info(msgspec.Struct):
    model_context_window: Any = None
    model: Any = None


class _Error(msgspec.Struct):
    codex_error_info: Any = None


class _Payload(msgspec.Struct):
    """Typed: decoding into these builds no dicts (usage objects and credits are skipped unread)."""

    type: Any = None
    info: _Info | None = None
    rate_limits: _Limits | None = None
    codex_error_info: Any = None
    error: _Error | None = None


class _Line(msgspec.Struct):
    timestamp: Any = None
    type: Any = None
    payload: _Payload | None = None


class _LoosePayload(msgspec.Struct):
    type: Any = None
    info: Any = None
    rate_limits: Any = None
    codex_error_info: Any = None
    error: Any = None


class _LooseLine(msgspec.Struct):
    timestamp: Any = None
    type: Any = None
    payload: _LoosePayload | None = None


_DECODER = msgspec.json.Decoder(_Line)
_LOOSE = msgspec.json.Decoder(_LooseLine)  # when a field has an unexpected shape: read what can be read
_LIMITS = msgspec.json.Decoder(_Limits | None)  # a token_count's rate_limits alone (feed_token_count)
_ANY = msgspec.json.Decoder()


def short_name(value: object, limit: int = 40) -> str | None:
    """A plan or limit name as it may be stored and shown: short, letters, digits and `_-. ` only."""
    if isinstance(value, str) and 0 < len(value) <= limit and set(value) <= _NAME_CHARS:
        return value
    return None


def _is_limit_hit(info: object) -> bool:
    """`codex_error_info` naming the usage limit: "usage_limit_exceeded" (or camel case), bare or with details."""
    if isinstance(info, dict):
        return any(_is_limit_hit(k) for k in info)
    return isinstance(info, str) and info.replace("_", "").lower() == "usagelimitexceeded"


class CodexLimitReader:
    """Per-file: `feed` each line that mentions rate limits or the usage limit; `take` what was found."""

    def __init__(self) -> None:
        self._run = SnapshotRun()
        self._hits: list[LimitHit] = []
        self._windows: list[ContextWindowSeen] = []
        self._window_of: dict[str, int] = {}
        self._latest: dict[int, LimitSnapshot] = {}  # by window length: what a hit refers to
        self._reached = False
        self.skipped = 0  # lines that looked like limit records but could not be read

    def feed(self, line: bytes | memoryview, session: str, model: str | None) -> None:
        """A raw log line (the parser's hot path hands over only lines holding one of the needles)."""
        rec: _Line | _LooseLine
        try:
            rec = _DECODER.decode(line)
        except msgspec.ValidationError:
            try:
                rec = _LOOSE.decode(line)
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                self.skipped += 1
                return
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            self.skipped += 1  # the parser counts the line's problem for the scan summary
            return
        payload = rec.payload
        if rec.type != "event_msg" or payload is None:
            return
        if isinstance(payload, _LoosePayload):  # an unexpected shape somewhere: keep what has the expected one
            self.feed_event(rec.timestamp, payload.type, payload.info, payload.rate_limits,
                            payload.codex_error_info, payload.error, session, model)
            return
        self._event(rec.timestamp, payload.type, payload.info, payload.rate_limits, payload.codex_error_info,
                    payload.error, session, model)

    def feed_token_count(self, timestamp: str | int | None, rate_limits: bytes | None, window: int | None,
                         info_model: str | None, session: str, model: str | None) -> None:
        """A `token_count` event the accelerator read: its timestamp (ISO text, or epoch ms), `payload.rate_limits`
        as written (None: absent or null), `info.model_context_window` when an integer and `info.model` when
        non-empty text. Read as `feed` reads the whole line: the accelerator hands over only lines where the rest
        of it cannot change that (it reads `info`, `error` and the other fields strictly, or gives up)."""
        ts_ms = timestamp if type(timestamp) is int else parse_iso_ms(timestamp)
        if ts_ms is None:
            return
        limits: _Limits | None = None
        if rate_limits is not None:
            try:
                limits = _LIMITS.decode(rate_limits)
            except msgspec.ValidationError:  # an unexpected shape: keep what has the expected one, as `feed`
                try:
                    limits = _limits(_ANY.decode(rate_limits))
                except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                    self.skipped += 1
                    return
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                self.skipped += 1
                return
        info = None if window is None else _Info(window, info_model)
        self._on_token_count(info, limits, ts_ms, session, model)

    def feed_event(self, timestamp: object, kind: object, info: object, rate_limits: object,
                   codex_error_info: object, error: object, session: str, model: str | None) -> None:
        """An `event_msg` already decoded (by an accelerated parser, as plain dicts): its timestamp (ISO text, or
        epoch ms), `payload.type`, and the payload's `info`, `rate_limits`, `codex_error_info` and `error`."""
        self._event(timestamp, kind, _typed(info, _Info), _limits(rate_limits), codex_error_info,
                    _typed(error, _Error), session, model)

    def _event(self, timestamp: object, kind: object, info: _Info | None, rate_limits: _Limits | None,
               codex_error_info: object, error: _Error | None, session: str, model: str | None) -> None:
        ts_ms = timestamp if type(timestamp) is int else parse_iso_ms(timestamp)
        if ts_ms is None:
            return
        if kind == "token_count":
            self._on_token_count(info, rate_limits, ts_ms, session, model)
        elif kind in _HIT_EVENTS and (_is_limit_hit(codex_error_info)
                                      or (error is not None and _is_limit_hit(error.codex_error_info))):
            self._hit(LIMIT_HIT, ts_ms, session)

    def _on_token_count(self, info: _Info | None, limits: _Limits | None, ts_ms: int, session: str,
                        model: str | None) -> None:
        if info is not None:
            size = info.model_context_window
            if type(size) is int and MIN_WINDOW <= size <= MAX_WINDOW and self._window_of.get(session) != size:
                self._window_of[session] = size
                named = info.model
                self._windows.append(ContextWindowSeen(SOURCE, session, named if isinstance(named, str) and named
                                                       else model, size, ts_ms))
        if limits is None:
            return  # null (codex exec) or absent
        limit_id = limits.limit_id
        scope = "" if limit_id is None or limit_id in MAIN_LIMIT_IDS else (short_name(limit_id) or "other")
        plan = short_name(limits.plan_type)
        for raw in (limits.primary, limits.secondary):
            if raw is None:
                continue
            minutes, used = raw.window_minutes, plausible_percent(raw.used_percent)
            if type(minutes) is not int or minutes <= 0 or used is None:
                continue  # a window is known by its length: without one it cannot be named
            snap = self._run.observe(SOURCE, scope, minutes, used, _resets_ms(raw, ts_ms), plan, "log", ts_ms)
            if scope == "":
                self._latest[minutes] = snap
        reached = limits.rate_limit_reached_type
        if reached is not None and not self._reached and scope == "":
            self._hit("rate_limit_reached", ts_ms, session)
        self._reached = reached is not None

    def _hit(self, kind: str, ts_ms: int, session: str) -> None:
        """A hit names the window that was full in the latest snapshot, when one was (the tightest)."""
        full = [s for s in self._latest.values() if s.used_percent >= 100.0]
        spent = max(full, key=lambda s: (s.used_percent, s.resets_ms or 0), default=None)
        self._hits.append(LimitHit(SOURCE, ts_ms, kind, spent.window_minutes if spent else None,
                                   spent.resets_ms if spent else None, session))

    def take(self) -> LimitRecords:
        out = LimitRecords(self._run.take(), self._hits, self._windows)
        self._hits, self._windows = [], []
        return out


def _typed(obj: object, kind: type[Any]) -> Any:
    """A dict of the loose path as the typed struct (its unexpected fields and types dropped)."""
    if not isinstance(obj, dict):
        return None
    return kind(**{name: obj.get(name) for name in kind.__struct_fields__ if name in obj})


def _limits(obj: object) -> _Limits | None:
    limits = _typed(obj, _Limits)
    if limits is not None:
        limits.primary = _typed(limits.primary, _Window)
        limits.secondary = _typed(limits.secondary, _Window)
    return limits


def _resets_ms(raw: _Window, ts_ms: int) -> int | None:
    """`resets_at` (epoch seconds, or ISO text), else `resets_in_seconds` counted from the event's time."""
    at = raw.resets_at
    if type(at) is int:
        return plausible_ms(at * 1000)
    if type(at) is float and abs(at) < 1e13:  # NaN and infinities compare false
        return plausible_ms(int(at * 1000))
    if isinstance(at, str):
        return parse_iso_ms(at)
    after = raw.resets_in_seconds
    if isinstance(after, int | float) and not isinstance(after, bool) and 0 <= after <= 400 * 86_400:
        return plausible_ms(ts_ms + int(after * 1000))
    return None
