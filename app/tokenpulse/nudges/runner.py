"""The app's periodic check: snapshots from the store, then the policy's verdict (Qt-free; the app renders)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from tokenpulse.clock import zone
from tokenpulse.config.settings import Settings
from tokenpulse.insights.chat_stats import RatesSource
from tokenpulse.insights.facts import ChatSnapshot, SpendSnapshot
from tokenpulse.insights.live import recent_chats, spend_snapshot
from tokenpulse.insights.plan_limits import LimitFacts, limit_facts
from tokenpulse.nudges.model import Nudge
from tokenpulse.nudges.policy import DEFAULT_GRACE_MS, PolicyState, evaluate, next_wake_ms


@dataclass(frozen=True, slots=True)
class Tick:
    due: list[Nudge]  # to show now
    state: PolicyState  # to pass to the next tick (and to save)
    wake_ms: int | None  # check again then even if no call arrives (None: only when calls arrive)
    chats: list[ChatSnapshot]  # what the verdict was drawn from (the status facts reuse it)
    spend: SpendSnapshot
    limits: LimitFacts = field(default_factory=LimitFacts)  # plan limits (issue 11)


def tick(conn: sqlite3.Connection, now_ms: int, pricer: RatesSource, settings: Settings, state: PolicyState,
         grace_ms: int = DEFAULT_GRACE_MS) -> Tick:
    """The reminders to show now, the state after them, and when to look again."""
    r = settings.reminders
    tz = zone(settings.timezone)
    chats = recent_chats(conn, now_ms, pricer, r.recap_allowance)
    spend = spend_snapshot(conn, now_ms, tz)
    limits = limit_facts(conn, now_ms)
    due, new_state = evaluate(now_ms, chats, spend, r, tz, state, grace_ms, limits=limits, lim=settings.limits)
    wake = next_wake_ms(now_ms, chats, r, tz, new_state, grace_ms, limits=limits, lim=settings.limits)
    return Tick(due, new_state, wake, chats, spend, limits)
