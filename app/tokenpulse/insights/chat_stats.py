"""Per-chat waste figures from a chat's stored calls, for the chats a scan touched (store.chat_figures
writes them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from tokenpulse.insights.waste import CallPoint, ChatFigures, chat_figures
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates
from tokenpulse.store import chat_figures as figures_table


class RatesSource(Protocol):
    def rates(self, model: str, day: str) -> Rates | None: ...


@dataclass(frozen=True, slots=True)
class ChatRow:
    """A chat's figures as computed, before they are written."""

    session_id: int
    figures: ChatFigures
    wrote_1h_cache: bool
    last_ms: int


@dataclass(slots=True)
class RefreshResult:
    updated: int = 0
    new_sessions: set[int] = field(default_factory=set)  # sessions that had no figures before


_CALLS = ("SELECT ts_ms, model, input + cache_write_5m + cache_write_1h + cache_read, cache_write_1h, cost_usd"
          " FROM api_call WHERE session_id = ? ORDER BY ts_ms, id")  # ix_api_call_session_ts


def read_price(pricer: RatesSource, model: str, ts_ms: int, context: int) -> float | None:
    """USD per cache-read token of this call as billed (its long-context tier included); None when unknown."""
    rates = pricer.rates(model, utc_day(ts_ms))
    return None if rates is None else rates.cache_read_at(context)


def compute(conn: sqlite3.Connection, session_id: int, pricer: RatesSource, recap_allowance: int) -> ChatRow:
    """A chat's figures from its stored calls (one indexed range read); nothing is written."""
    points: list[CallPoint] = []
    wrote_1h = False
    last_ms = 0
    for ts_ms, model, context, cw1h, cost in conn.execute(_CALLS, (session_id,)):
        points.append(CallPoint(int(context), read_price(pricer, model, ts_ms, int(context)), cost))
        wrote_1h = wrote_1h or cw1h > 0
        last_ms = ts_ms
    return ChatRow(session_id, chat_figures(points, recap_allowance), wrote_1h, last_ms)


def refresh(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
            recap_allowance: int) -> RefreshResult:
    """Recompute the figures of the given chats (e.g. `ScanSummary.sessions_touched`) and their families'."""
    ids = sorted(set(session_ids))
    result = RefreshResult()
    if not ids:
        return result
    # Prices are resolved before the write transaction: the pricer may save rates through another connection.
    rows = [compute(conn, sid, pricer, recap_allowance) for sid in ids]
    result.new_sessions = figures_table.write(conn, [_row(r) for r in rows], recap_allowance)
    result.updated = sum(1 for r in rows if r.figures.calls)
    return result


def refresh_stale(conn: sqlite3.Connection, pricer: RatesSource, recap_allowance: int) -> RefreshResult:
    return refresh(conn, figures_table.stale_sessions(conn, recap_allowance), pricer, recap_allowance)


def _row(row: ChatRow) -> figures_table.ChatFiguresRow:
    f = row.figures
    return figures_table.ChatFiguresRow(
        session_id=row.session_id, calls=f.calls, first_context=f.first_context, peak_context=f.peak_context,
        last_context=f.last_context, context_tokens=f.context_tokens, waste_tokens=f.waste_tokens,
        waste_cost_usd=f.waste_cost, cost_usd=f.cost, waste_share=f.waste_share, wrote_1h_cache=row.wrote_1h_cache,
        last_ms=row.last_ms)
