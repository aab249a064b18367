"""Snapshots of recent chats and of current spending, read from the store with indexed queries only."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tokenpulse.insights.context_windows import window_for
from tokenpulse.insights.facts import MINUTE_MS, ChatSnapshot, SpendSnapshot
from tokenpulse.insights.status_view import SKEW_MS
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates

if TYPE_CHECKING:  # the figures' code is imported only to compute stale ones: `status --no-scan` rarely needs it
    from tokenpulse.insights.chat_stats import RatesSource

# Long enough to see a 1-hour cache expire and still be within its notice window.
LOOKBACK_MS = 120 * MINUTE_MS

_EDGE = ("SELECT ts_ms, model, input + cache_write_5m + cache_write_1h + cache_read, cost_usd FROM api_call"
         " WHERE session_id = ? AND ts_ms <= ? ORDER BY ts_ms {order}, id {order} LIMIT 1")  # ix_api_call_session_ts


def agent_labels() -> dict[str, str]:
    from tokenpulse.sources import registry

    return {s.name: s.label for s in registry.all_sources()}


def fresh_chat_hints() -> dict[str, str]:
    """How each agent starts afresh, where its source module says so (`fresh_chat_hint`)."""
    from tokenpulse.sources import registry

    return {s.name: hint for s in registry.all_sources() if (hint := getattr(s, "fresh_chat_hint", None))}


def recent_chats(conn: sqlite3.Connection, now_ms: int, pricer: RatesSource, recap_allowance: int,
                 lookback_ms: int = LOOKBACK_MS) -> list[ChatSnapshot]:
    """Top-level chats with a call in the lookback window, most recent first.

    Sub-agent chats are left out: the agent drives them, so a reminder to start afresh has no one to act on it.
    """
    labels = agent_labels()
    hints = fresh_chat_hints()
    horizon = now_ms + SKEW_MS  # calls dated further ahead are counted, never live (status_view.SKEW_MS)
    ids = [r[0] for r in conn.execute("SELECT DISTINCT session_id FROM api_call WHERE ts_ms >= ? AND ts_ms <= ?",
                                      (now_ms - lookback_ms, horizon))]  # ix_api_call_ts
    out = []
    for sid in ids:
        session = conn.execute("SELECT source, project, parent_key, session_key FROM chat_session WHERE id = ?",
                               (sid,)).fetchone()
        if session is None or session[2] is not None:
            continue
        snap = _snapshot(conn, sid, session[0], session[1], labels, pricer, recap_allowance, horizon, session[3])
        if snap is not None and session[0] in hints:
            snap = replace(snap, fresh_chat_hint=hints[session[0]])
        if snap is not None:
            out.append(snap)
    out.sort(key=lambda c: c.last_ms, reverse=True)
    return out


def _snapshot(conn: sqlite3.Connection, sid: int, source: str, project: str | None, labels: dict[str, str],
              pricer: RatesSource, recap_allowance: int, horizon: int, session_key: str = "") -> ChatSnapshot | None:
    first = conn.execute(_EDGE.format(order="ASC"), (sid, horizon)).fetchone()
    last = conn.execute(_EDGE.format(order="DESC"), (sid, horizon)).fetchone()
    if first is None or last is None:
        return None
    stats = conn.execute("SELECT calls, waste_tokens, waste_cost_usd, wrote_1h_cache, last_ms FROM chat_stats"
                         " WHERE session_id = ? AND recap_allowance = ?", (sid, recap_allowance)).fetchone()
    if stats is None or stats[4] != last[0]:
        # not refreshed since its latest call: compute in memory rather than show stale figures
        from tokenpulse.insights.chat_stats import compute

        row = compute(conn, sid, pricer, recap_allowance, with_quarters=False)
        stats = (row.figures.calls, row.figures.waste_tokens, row.figures.waste_cost, row.wrote_1h_cache, row.last_ms)
    calls, waste_tokens, waste_cost, one_hour, _ = stats
    rates = pricer.rates(last[1], utc_day(last[0]))
    read_price, fresh_read_price = read_prices(rates, int(last[2]))
    write_rate = None if rates is None else (rates.cache_write_1h if one_hour else rates.cache_write_5m)
    return ChatSnapshot(
        session_id=sid, agent=labels.get(source, source), project=project, calls=int(calls),
        first_context=int(first[2]), context=int(last[2]), last_ms=int(last[0]), first_cost=first[3],
        last_cost=last[3], waste_tokens=int(waste_tokens), waste_cost=waste_cost,
        read_price=read_price, fresh_read_price=fresh_read_price,
        write_price=None if write_rate is None else write_rate[0] / 1e6, one_hour_cache=bool(one_hour),
        context_window=window_for(conn, source, session_key, last[1]), source=source, session_key=session_key)


def read_prices(rates: Rates | None, context: int) -> tuple[float | None, float | None]:
    """(USD per cache-read token at a chat's `context` now, a long-context tier included; the base price a fresh
    chat's small context would pay): the prices insights.reread compares; (None, None) without known rates."""
    if rates is None:
        return None, None
    return rates.cache_read_at(context), rates.cache_read_per_token()


def _local_midnight(dt: datetime, tz: ZoneInfo) -> int:
    return int(datetime(dt.year, dt.month, dt.day, tzinfo=tz).timestamp() * 1000)


def spend_snapshot(conn: sqlite3.Connection, now_ms: int, tz: ZoneInfo, first_weekday: int = 0) -> SpendSnapshot:
    """Cost of the current local day, week and month, and today's output: one indexed range.

    Weeks start on Monday, or on `first_weekday` (0 Monday … 6 Sunday); a Monday week's key is its ISO week
    ("2026-W09"), another's its first day ("week-of-2026-03-01")."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).astimezone(tz)
    day_start = _local_midnight(now, tz)
    first_day = now - timedelta(days=(now.weekday() - first_weekday) % 7)
    week_start = _local_midnight(first_day, tz)
    month_first = now.replace(day=1)
    month_start = _local_midnight(month_first, tz)
    next_month = (month_first + timedelta(days=32)).replace(day=1)
    month_end = _local_midnight(next_month, tz)
    row = conn.execute(
        "SELECT coalesce(sum(CASE WHEN ts_ms >= ? THEN cost_usd END), 0),"
        " coalesce(sum(CASE WHEN ts_ms >= ? THEN cost_usd END), 0),"
        " coalesce(sum(CASE WHEN ts_ms >= ? THEN cost_usd END), 0),"
        " coalesce(sum(CASE WHEN ts_ms >= ? THEN output END), 0)"
        " FROM api_call WHERE ts_ms >= ? AND ts_ms < ?",
        (day_start, week_start, month_start, day_start, min(week_start, month_start), month_end)).fetchone()
    iso = now.isocalendar()
    week_key = f"{iso.year}-W{iso.week:02d}" if first_weekday == 0 else first_day.strftime("week-of-%Y-%m-%d")
    return SpendSnapshot(day_key=now.strftime("%Y-%m-%d"), week_key=week_key,
                         month_key=now.strftime("%Y-%m"), day_cost=float(row[0]), week_cost=float(row[1]),
                         month_cost=float(row[2]), day_output=int(row[3]), month_start_ms=month_start,
                         month_end_ms=month_end)
