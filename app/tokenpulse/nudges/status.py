"""`tokenpulse status`: live chats with their context, cost per message and waste, and the reminders due now.

In two steps: `status_facts` reads the store (the CLI does, or the tray app after every change, which saves
the facts in the data folder), and `present` turns facts into the printed answer at the moment of asking.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tokenpulse.clock import WEEKDAY_NAMES, zone
from tokenpulse.config.settings import Limits, Reminders, Settings
from tokenpulse.insights.facts import ChatSnapshot, SpendSnapshot
from tokenpulse.insights.live import recent_chats, spend_snapshot
from tokenpulse.insights.plan_limits import LimitFacts, WindowStatus, limit_facts
from tokenpulse.insights.reread import reread
from tokenpulse.insights.status_view import present
from tokenpulse.nudges.budgets import projection
from tokenpulse.nudges.policy import PolicyState, candidates

if TYPE_CHECKING:  # a type only: the figures' code is not needed to answer `status`
    from tokenpulse.insights.chat_stats import RatesSource


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def status_facts(conn: sqlite3.Connection, now_ms: int, pricer: RatesSource, settings: Settings,
                 state: PolicyState | None = None, first_weekday: int = 0) -> dict[str, Any]:
    """The recent chats, spending and due reminders as JSON-ready data; read-only apart from the rate cache.

    `state`: the app's, if known. A one-shot look, not the app: no grace, snooze or quiet hours; what the app
    already showed, or was told not to, is not due. `first_weekday`: the week's first day (0 Monday … 6 Sunday)
    for the week's spending and budget.
    """
    r = settings.reminders
    tz = zone(settings.timezone)
    chats = recent_chats(conn, now_ms, pricer, r.recap_allowance)
    spend = spend_snapshot(conn, now_ms, tz, first_weekday)
    out = facts(now_ms, chats, spend, r, state, limit_facts(conn, now_ms), settings.limits, tz)
    if first_weekday:  # said only when it is not the usual Monday (the app's facts never say it)
        out["spend"]["week_start"] = WEEKDAY_NAMES[first_weekday]
    return out


def facts(now_ms: int, chats: list[ChatSnapshot], spend: SpendSnapshot, r: Reminders,
          state: PolicyState | None, limits: LimitFacts | None = None, lim: Limits | None = None,
          tz: ZoneInfo | None = None) -> dict[str, Any]:
    """`status_facts` from snapshots already read (the app's reminder check has them)."""
    fired = {} if state is None else state.fired
    muted = frozenset() if state is None else state.muted
    due = [n for n in candidates(now_ms, chats, spend, r, limits=limits, lim=lim, tz=tz)
           if n.key not in fired and n.session_id not in muted]
    return {
        "now_ms": now_ms,
        "chats": [chat_record(c, r.recap_allowance) for c in chats],
        "spend": {"day_usd": _money(spend.day_cost), "week_usd": _money(spend.week_cost),
                  "month_usd": _money(spend.month_cost), "month_projection_usd": _money(projection(spend, now_ms)),
                  "day_output_tokens": spend.day_output},
        "due": [{"rule": n.rule, "key": n.key, "title": n.title, "body": n.body} for n in due],
        "limits": [] if limits is None else [limit_record(w) for w in limits.windows],
    }


def chat_record(c: ChatSnapshot, recap_allowance: int) -> dict[str, Any]:
    """A recent chat as `status --json` prints it. `cost_per_message_usd` and `first_message_cost_usd` stay for
    the scripts that read them, but the first message is often the dearest (its context is written to the cache
    at the write price), so what the status says compares the re-read (insights.reread, as the reminder does):
    `reread_*` per message now, `fresh_chat_reread_*` for a fresh chat, and the saving over the next messages."""
    rr = reread(c.context, c.first_context, recap_allowance, c.read_price, c.fresh_read_price)
    return {
        "session_id": c.session_id, "agent": c.agent, "project": c.project, "calls": c.calls,
        "context_tokens": c.context, "first_context_tokens": c.first_context,
        "cost_per_message_usd": _money(c.last_cost), "first_message_cost_usd": _money(c.first_cost),
        "reread_tokens": rr.tokens, "reread_cost_usd": _money(rr.cost),
        "fresh_chat_reread_tokens": rr.fresh_tokens, "fresh_chat_reread_cost_usd": _money(rr.fresh_cost),
        "fresh_chat_saving_usd": _money(rr.saving), "fresh_chat_saving_messages": rr.messages,
        "waste_tokens": c.waste_tokens, "waste_cost_usd": _money(c.waste_cost), "last_call_ms": c.last_ms,
        "context_window_tokens": c.context_window, "source": c.source, "session_key": c.session_key,
    }


def limit_record(w: WindowStatus) -> dict[str, Any]:
    """A window's latest reading with epoch-ms times (status_view.present turns them into ISO text)."""
    return {"source": w.source, "window": w.name, "window_minutes": w.window_minutes,
            "used_percent": w.used_percent, "resets_ms": w.resets_ms, "observed_ms": w.seen_ms, "plan": w.plan,
            "scope": w.scope or None, "via": w.via}


def live_status(conn: sqlite3.Connection, now_ms: int, pricer: RatesSource, settings: Settings,
                state: PolicyState | None = None, first_weekday: int = 0) -> dict[str, Any]:
    """What `tokenpulse status --json` prints, read from the store now."""
    return present(status_facts(conn, now_ms, pricer, settings, state, first_weekday), now_ms)
