"""When the worker must wake without an event: the moments the tray's picture changes by itself.

The live chat going quiet, a plan-limit window resetting, local midnight, a snooze or the reminders' grace
ending, a long chat's cache expiring, the UTC day of the daily backup, a retry or the periodic rescan. Between
them the worker blocks on its queue: an idle app uses no CPU.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenpulse.clock import zone
from tokenpulse.service.housekeeping import next_utc_midnight
from tokenpulse.snapshot import LIVE_WINDOW_MS, Snapshot, next_midnight_ms


def seconds_to_next(snap: Snapshot, now: int, others: Iterable[int] = ()) -> float:
    """Seconds until the earliest of those moments (and of `others`, epoch ms), never less than one: a clock
    sitting on a boundary must not turn the wait into a busy loop."""
    deadlines = [next_midnight_ms(now, zone(snap.tz)), next_utc_midnight(now), *others]
    if snap.live is not None:
        deadlines.append(snap.live.last_ms + LIVE_WINDOW_MS + 1)
    if snap.snoozed_until_ms is not None and snap.snoozed_until_ms > now:
        deadlines.append(snap.snoozed_until_ms)
    # a plan-limit window's reset (issue 11): its bar empties, and a reminder may say so
    deadlines.extend(w.resets_ms + 1 for w in snap.limits if w.resets_ms is not None and w.resets_ms > now)
    return max(1.0, (min(deadlines) - now) / 1000)
