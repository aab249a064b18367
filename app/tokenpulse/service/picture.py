"""The tray's picture of the store as the settings ask for it: the worker's Snapshot before its own state (import
progress, pause, snooze, problems) is laid over it."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from tokenpulse.clock import zone
from tokenpulse.config.settings import Settings
from tokenpulse.snapshot import Everywhere, Snapshot, build
from tokenpulse.workspace import Workspace


def picture(ws: Workspace | None, settings: Settings, now: int,
            everywhere: Callable[[int, ZoneInfo], Everywhere | None]) -> Snapshot:
    """What the store says now (an empty picture without a store), with every machine's figures from
    `everywhere` (the sync chores: the other devices' ledgers, issue 14). Plan limits are the account's: with
    other devices read, each window is its newest reading from any device, whichever machine the view shows."""
    tz = zone(settings.timezone)
    if ws is None:
        return Snapshot.empty(now, tz)
    snap = build(ws.conn, now, tz, context_threshold=settings.reminders.context_threshold,
                 fresh_chat_reminders=settings.reminders.fresh_chat, context_share=settings.limits.context_share,
                 limit_icon_percent=settings.limits.icon_percent, recap_allowance=settings.reminders.recap_allowance,
                 pricer=ws.pricer)
    every = everywhere(now, tz)
    if every is None:
        return snap
    return snap.with_state(everywhere=every, limits=every.limits)
