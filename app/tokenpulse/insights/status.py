"""`tokenpulse status`: live chats with their context, cost per message and waste, and the reminders due now."""

from __future__ import annotations

import sqlite3
from typing import Any

from tokenpulse.config.settings import Settings
from tokenpulse.insights.chat_stats import RatesSource
from tokenpulse.insights.live import recent_chats, spend_snapshot, zone
from tokenpulse.nudges.budgets import projection
from tokenpulse.nudges.fresh_chat import LIVE_MS
from tokenpulse.nudges.policy import PolicyState, candidates


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def live_status(conn: sqlite3.Connection, now_ms: int, pricer: RatesSource, settings: Settings,
                state: PolicyState | None = None) -> dict[str, Any]:
    """A JSON-ready dict; read-only apart from the pricer's rate cache. `state`: the app's, if known."""
    r = settings.reminders
    tz = zone(settings.timezone)
    chats = recent_chats(conn, now_ms, pricer, r.recap_allowance)
    spend = spend_snapshot(conn, now_ms, tz)
    # A one-shot look, not the app: no grace, snooze or quiet hours; what the app already showed is not due.
    fired = {} if state is None else state.fired
    due = [n for n in candidates(now_ms, chats, spend, r) if n.key not in fired]
    return {
        "now_ms": now_ms,
        "live_chats": [{
            "session_id": c.session_id, "agent": c.agent, "project": c.project, "calls": c.calls,
            "context_tokens": c.context, "first_context_tokens": c.first_context,
            "cost_per_message_usd": _money(c.last_cost), "first_message_cost_usd": _money(c.first_cost),
            "waste_tokens": c.waste_tokens, "waste_cost_usd": _money(c.waste_cost),
            "idle_seconds": max(0, (now_ms - c.last_ms) // 1000),
        } for c in chats if now_ms - c.last_ms <= LIVE_MS],
        "spend": {"day_usd": _money(spend.day_cost), "week_usd": _money(spend.week_cost),
                  "month_usd": _money(spend.month_cost), "month_projection_usd": _money(projection(spend, now_ms)),
                  "day_output_tokens": spend.day_output},
        "due": [{"rule": n.rule, "key": n.key, "title": n.title, "body": n.body} for n in due],
    }
