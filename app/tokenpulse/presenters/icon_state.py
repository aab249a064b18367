"""What the tray icon should show, as plain data: a mode, a short label and how full the context ring is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tokenpulse.presenters.numbers import short
from tokenpulse.snapshot import Snapshot


class Mode(Enum):
    IDLE = "idle"  # no live chat: today's output only
    LIVE = "live"  # a live chat: the ring fills with its context toward the threshold
    NUDGE = "nudge"  # the live chat passed the threshold: a fresh chat would be cheaper
    IMPORTING = "importing"  # first import running: the ring shows progress
    PAUSED = "paused"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class IconState:
    mode: Mode
    label: str  # today's output, compact ("12k"); drawn when the icon is big enough
    ring: float  # 0..1: live chat context / threshold, or import progress
    limit_percent: int | None = None  # the tightest plan window past the icon setting, in 5 % steps (issue 11)


def icon_state(snap: Snapshot) -> IconState:
    state = _icon_state(snap)
    tight = snap.tight_limit()
    if tight is None or state.mode is Mode.PAUSED:
        return state
    return IconState(state.mode, state.label, state.ring, min(100, 5 * round(tight.used_percent / 5)))


def _icon_state(snap: Snapshot) -> IconState:
    label = short(snap.today.output_tokens)
    if snap.paused:
        return IconState(Mode.PAUSED, label, 0.0)
    if snap.importing is not None and snap.importing.total:
        return IconState(Mode.IMPORTING, label, min(1.0, snap.importing.done / snap.importing.total))
    live = snap.live
    ring = min(1.0, snap.context_progress)  # toward the nearer of the reminder's two rules
    if snap.nudge_pending:
        return IconState(Mode.NUDGE, label, 1.0)
    # quantise so a few tokens more does not redraw the tray icon on every call
    ring = round(ring * 24) / 24
    if snap.problems:
        return IconState(Mode.PROBLEM, label, ring)
    return IconState(Mode.LIVE if live is not None else Mode.IDLE, label, ring)
