"""The shapes of plan-limit observations (issue 11): a provider's own usage percentage of a window, a limit hit,
and a chat's context window, as the sources and the status line report them. Numbers and ids only, never text.

Standard library only, and no `dataclasses`: the status line imports this, and scan workers pickle the records.
"""

from __future__ import annotations

FIVE_HOURS = 300  # window_minutes of the 5-hour window
SEVEN_DAYS = 10_080  # window_minutes of the weekly window
# Codex's `resets_at` of one window moves by a few seconds between snapshots (the server computes it as
# now + seconds left); a larger move means a new window. A minute covers the jitter seen in real logs.
RESET_JITTER_MS = 60_000


def window_name(minutes: int) -> str:
    """"5h", "7d", or the length for any other window ("90m", "24h", "30d")."""
    if minutes == FIVE_HOURS:
        return "5h"
    if minutes == SEVEN_DAYS:
        return "7d"
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


class _Record:
    """Plain slotted records with value equality: `dataclasses` costs the status line ~7 ms to import."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Record) and type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class LimitSnapshot(_Record):
    """One window's usage as the provider reported it, first at `observed_ms` and unchanged until `seen_ms`.

    `scope` is '' for the account's main limit and names another one (Codex `limit_id` of a per-model limit).
    `via` says where it was read: "log" (a session log), "statusline" (Claude Code's status-line input) or
    "cache" (Claude Code's cached copy of the account's usage, taken at `observed_ms`).
    """

    __slots__ = (
        "observed_ms",
        "plan",
        "resets_ms",
        "scope",
        "seen_ms",
        "source",
        "used_percent",
        "via",
        "window_minutes",
    )

    def __init__(self, source: str, window_minutes: int, used_percent: float, observed_ms: int,
                 resets_ms: int | None = None, plan: str | None = None, scope: str = "", via: str = "log",
                 seen_ms: int = 0) -> None:
        self.source = source  # "codex", "claude-code"
        self.window_minutes = window_minutes
        self.used_percent = used_percent
        self.observed_ms = observed_ms
        self.resets_ms = resets_ms
        self.plan = plan
        self.scope = scope
        self.via = via
        self.seen_ms = max(seen_ms, observed_ms)  # 0: the same as observed_ms

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.source, self.scope, self.window_minutes)

    def same_reading(self, other: LimitSnapshot) -> bool:
        """Whether `other` reports the same state of the same window (a re-emit, not a change)."""
        if self.key != other.key or self.used_percent != other.used_percent or self.plan != other.plan:
            return False
        if self.resets_ms is None or other.resets_ms is None:
            return self.resets_ms == other.resets_ms
        return abs(self.resets_ms - other.resets_ms) <= RESET_JITTER_MS


class LimitHit(_Record):
    """The agent stopped because a plan limit was reached (Codex `usage_limit_exceeded`, Claude Code's
    rate-limit notice). `window_minutes` and `resets_ms` only when the log says them."""

    __slots__ = ("kind", "resets_ms", "session_key", "source", "ts_ms", "window_minutes")

    def __init__(self, source: str, ts_ms: int, kind: str, window_minutes: int | None = None,
                 resets_ms: int | None = None, session_key: str | None = None) -> None:
        self.source = source
        self.ts_ms = ts_ms
        self.kind = kind  # "usage_limit_exceeded", "rate_limit", "rate_limit_reached"
        self.window_minutes = window_minutes
        self.resets_ms = resets_ms
        self.session_key = session_key


class ContextWindowSeen(_Record):
    """A chat's context window in tokens, as its agent stated it (Codex `model_context_window`, Claude Code's
    status-line `context_window_size`)."""

    __slots__ = ("model", "seen_ms", "session_key", "source", "tokens")

    def __init__(self, source: str, session_key: str, model: str | None, tokens: int, seen_ms: int) -> None:
        self.source = source
        self.session_key = session_key
        self.model = model
        self.tokens = tokens
        self.seen_ms = seen_ms


class LimitRecords(_Record):
    """What a read of a log (or a status-line update) found besides calls; stored in the calls' transaction."""

    __slots__ = ("hits", "snapshots", "windows")

    def __init__(self, snapshots: list[LimitSnapshot] | None = None, hits: list[LimitHit] | None = None,
                 windows: list[ContextWindowSeen] | None = None) -> None:
        self.snapshots = snapshots if snapshots is not None else []
        self.hits = hits if hits is not None else []
        self.windows = windows if windows is not None else []

    def __bool__(self) -> bool:
        return bool(self.snapshots or self.hits or self.windows)

    def extend(self, other: LimitRecords) -> None:
        self.snapshots.extend(other.snapshots)
        self.hits.extend(other.hits)
        self.windows.extend(other.windows)


class SnapshotRun:
    """Collapses re-emitted snapshots while a log is read: one record per change of each window, whose
    `seen_ms` is the last time the same reading was repeated."""

    __slots__ = ("_done", "_open")

    def __init__(self) -> None:
        self._open: dict[tuple[str, str, int], LimitSnapshot] = {}
        self._done: list[LimitSnapshot] = []

    def add(self, snap: LimitSnapshot) -> None:
        current = self._open.get(snap.key)
        if current is not None and current.same_reading(snap) and snap.observed_ms >= current.observed_ms:
            current.seen_ms = max(current.seen_ms, snap.seen_ms)
            return
        if current is not None:
            self._done.append(current)
        self._open[snap.key] = snap

    def observe(self, source: str, scope: str, minutes: int, used: float, resets_ms: int | None, plan: str | None,
                via: str, ts_ms: int) -> LimitSnapshot:
        """`add` from plain values, building no record when the reading repeats the open one (the common case)."""
        cur = self._open.get((source, scope, minutes))
        if (cur is not None and cur.used_percent == used and cur.plan == plan and ts_ms >= cur.observed_ms
                and (cur.resets_ms == resets_ms if cur.resets_ms is None or resets_ms is None
                     else abs(cur.resets_ms - resets_ms) <= RESET_JITTER_MS)):
            if ts_ms > cur.seen_ms:
                cur.seen_ms = ts_ms
            return cur
        snap = LimitSnapshot(source, minutes, used, ts_ms, resets_ms, plan, scope, via)
        self.add(snap)
        return snap

    def take(self) -> list[LimitSnapshot]:
        """Every record so far (the open ones included, as seen up to now); the run starts afresh."""
        out = self._done + list(self._open.values())
        self._done, self._open = [], {}
        return out


def plausible_percent(value: object) -> float | None:
    """A usage percentage as a float, or None: numbers only (bools are not), 0 to 1000 (over 100 % is real:
    Claude Code reports 105 % while overage is used; larger values are garbage)."""
    if type(value) not in (int, float):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if 0.0 <= number <= 1000.0 else None
