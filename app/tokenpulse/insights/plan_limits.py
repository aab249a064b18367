"""Where each plan window stands (issue 11): the provider's own percentage, its age, when it resets and the pace.

Never invented: a percentage is only ever the provider's latest reading. Once a window's reset time has passed
with no newer reading, the window is unknown since that reset (the old reading says nothing about the new
window). Pace compares the share used with the share of the window's time already gone.

A plan window is the account's, not a machine's: with other devices' ledgers attached (issue 14), each window
shows the newest reading from any device, naming that device; readings are never summed. Reminders stay with
this device's own readings (`limit_facts`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tokenpulse.quota import FIVE_HOURS, RESET_JITTER_MS, LimitHit, LimitSnapshot, window_name
from tokenpulse.store import limits as store_limits

if TYPE_CHECKING:  # a type only: `status` reads this device's readings and needs no device scope
    from tokenpulse.store.sync.scope import DeviceScope

MINUTE_MS = 60_000
HIT_LOOKBACK_MS = 8 * 24 * 60 * MINUTE_MS  # a week and a day: a weekly window's hit can still be pending
SOURCE_LABELS = {"claude-code": "Claude Code", "codex": "Codex"}


@dataclass(frozen=True, slots=True)
class WindowStatus:
    """The latest reading of one window of one provider (times in UTC ms; nothing here depends on "now")."""

    source: str
    window_minutes: int
    used_percent: float
    observed_ms: int  # when this reading was first seen
    seen_ms: int  # when it was last confirmed: its age
    resets_ms: int | None
    plan: str | None = None
    scope: str = ""
    via: str = "log"
    device: str = ""  # with other devices read: the label of the device the reading came from; else ""
    remote: bool = False  # the reading came from another device's ledger

    @classmethod
    def of(cls, snap: LimitSnapshot) -> WindowStatus:
        return cls(snap.source, snap.window_minutes, snap.used_percent, snap.observed_ms, snap.seen_ms,
                   snap.resets_ms, snap.plan, snap.scope, snap.via)

    @property
    def name(self) -> str:
        return window_name(self.window_minutes)

    @property
    def label(self) -> str:
        """"Claude Code", "Codex", or "Codex (gpt-5-codex-mini)" for a per-model limit."""
        base = SOURCE_LABELS.get(self.source, self.source)
        return f"{base} ({self.scope})" if self.scope else base

    @property
    def window_ms(self) -> int:
        return self.window_minutes * MINUTE_MS

    def current(self, now_ms: int) -> bool:
        """Whether the reading still describes the window in force: its reset is ahead (or, with no reset time
        known, it is younger than the window itself)."""
        if self.resets_ms is not None:
            return now_ms < self.resets_ms
        return now_ms - self.seen_ms < self.window_ms

    def elapsed_share(self, now_ms: int) -> float | None:
        """How much of the window's time has gone (0..1), from its reset time; None without one."""
        if self.resets_ms is None:
            return None
        start = self.resets_ms - self.window_ms
        return min(1.0, max(0.0, (now_ms - start) / self.window_ms))

    def ahead_of_pace(self, now_ms: int) -> bool | None:
        """True when more of the limit is used than of the window's time: at this rate it runs out early."""
        elapsed = self.elapsed_share(now_ms)
        return None if elapsed is None else self.used_percent > elapsed * 100.0


@dataclass(frozen=True, slots=True)
class PendingReset:
    """A limit hit and the reset that ends it (the moment a "your window has reset" reminder is due)."""

    source: str
    window_minutes: int
    hit_ms: int
    resets_ms: int


@dataclass(frozen=True, slots=True)
class LimitFacts:
    """What the tray, the status and the reminders read about plan limits."""

    windows: tuple[WindowStatus, ...] = ()
    resets: tuple[PendingReset, ...] = ()  # hits of the last week, each with the reset that ended it

    def tightest(self, now_ms: int, scope: str | None = "") -> WindowStatus | None:
        """The current window closest to its limit (main limits only unless `scope` is None)."""
        live = [w for w in self.windows if w.current(now_ms) and (scope is None or w.scope == scope)]
        return max(live, key=lambda w: (w.used_percent, w.window_minutes), default=None)

    def by_source(self) -> dict[str, list[WindowStatus]]:
        out: dict[str, list[WindowStatus]] = {}
        for w in self.windows:
            out.setdefault(w.source, []).append(w)
        return out


def windows(conn: sqlite3.Connection, devices: DeviceScope | None = None) -> tuple[WindowStatus, ...]:
    """The latest reading of every window, 5-hour before weekly, per source. With `devices` (ledgers attached to
    `conn`, this device's first), the newest reading of each window from any of them, with its device named."""
    if devices is None or not devices.labelled:
        found = [WindowStatus.of(s) for s in store_limits.latest(conn)]
        return tuple(sorted(found, key=lambda w: (w.source, w.scope, w.window_minutes)))
    return newest(replace(WindowStatus.of(s), device=devices.label(i), remote=m.schema != "main")
                  for i, m in enumerate(devices.members) for s in store_limits.latest(conn, m.schema))


def newest(readings: Iterable[WindowStatus]) -> tuple[WindowStatus, ...]:
    """Per window (source, scope, length) the reading confirmed last, whichever device saw it; on a tie the one
    given first (give this device's first). One reading per window, never a sum: every device reads the same
    account-wide window, so the newest reading is the window's state."""
    best: dict[tuple[str, str, int], WindowStatus] = {}
    for w in readings:
        key = (w.source, w.scope, w.window_minutes)
        held = best.get(key)
        if held is None or (w.seen_ms, w.observed_ms) > (held.seen_ms, held.observed_ms):
            best[key] = w
    return tuple(best[k] for k in sorted(best))


def pending_resets(conn: sqlite3.Connection, now_ms: int) -> tuple[PendingReset, ...]:
    """Recent hits, each with its reset time: the one the log gave, else the reset of the window in force at the
    hit as the readings said (a 5-hour window when the log did not name one)."""
    out = []
    for hit in store_limits.hits(conn, now_ms - HIT_LOOKBACK_MS, now_ms + 1):
        minutes = hit.window_minutes or FIVE_HOURS
        resets = hit.resets_ms if hit.resets_ms is not None else _reset_after(conn, hit, minutes)
        if resets is not None and resets > hit.ts_ms:
            out.append(PendingReset(hit.source, minutes, hit.ts_ms, resets))
    unique: dict[tuple[str, int, int], PendingReset] = {}
    for p in out:  # several hits before one reset (retries): one reset
        unique.setdefault((p.source, p.window_minutes, p.resets_ms // RESET_JITTER_MS), p)
    return tuple(unique.values())


def _reset_after(conn: sqlite3.Connection, hit: LimitHit, minutes: int) -> int | None:
    return store_limits.reset_in_force(conn, hit.source, minutes, hit.ts_ms)


def limit_facts(conn: sqlite3.Connection, now_ms: int) -> LimitFacts:
    return LimitFacts(windows(conn), pending_resets(conn, now_ms))
