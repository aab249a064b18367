"""The app's periodic check: snapshots from the store, then the policy's verdict (Qt-free; the app renders)."""

from __future__ import annotations

import sqlite3

from tokenpulse.config.settings import Settings
from tokenpulse.insights.chat_stats import RatesSource
from tokenpulse.insights.live import recent_chats, spend_snapshot, zone
from tokenpulse.nudges.model import Nudge
from tokenpulse.nudges.policy import DEFAULT_GRACE_MS, PolicyState, evaluate


def tick(conn: sqlite3.Connection, now_ms: int, pricer: RatesSource, settings: Settings, state: PolicyState,
         grace_ms: int = DEFAULT_GRACE_MS) -> tuple[list[Nudge], PolicyState]:
    """The reminders to show now and the state to pass to the next tick (and to save on exit)."""
    r = settings.reminders
    tz = zone(settings.timezone)
    chats = recent_chats(conn, now_ms, pricer, r.recap_allowance)
    return evaluate(now_ms, chats, spend_snapshot(conn, now_ms, tz), r, tz, state, grace_ms)
