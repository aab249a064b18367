"""Per-chat waste figures from a chat's stored calls, for the chats a scan touched (store.chat_figures
writes them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Protocol

from tokenpulse.insights.chat_walk import walk
from tokenpulse.insights.spend_facts import QuarterWaste
from tokenpulse.insights.waste import ChatFigures
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
    quarters: list[QuarterWaste] = field(default_factory=list)  # the same calls per UTC quarter-hour


@dataclass(slots=True)
class RefreshResult:
    updated: int = 0
    new_sessions: set[int] = field(default_factory=set)  # sessions that had no figures before


_CALLS = ("SELECT ts_ms, model, input + cache_write_5m + cache_write_1h + cache_read, cache_write_1h, cost_usd,"
          " cache_read FROM api_call WHERE session_id = ? ORDER BY ts_ms, id")  # ix_api_call_session_ts
_DAY_MS = 86_400_000


class _ReadPrices:
    """Cache-read prices per (model, UTC day) for one refresh: a chat's calls mostly share a few. A model whose
    read price has a long-context tier gives its rates instead, and the walk prices each call at its tier."""

    def __init__(self, pricer: RatesSource) -> None:
        self._pricer = pricer
        self._memo: dict[tuple[str, int], float | Rates | None] = {}

    def at(self, model: str, ts_ms: int) -> float | Rates | None:
        key = (model, ts_ms // _DAY_MS)
        if key in self._memo:
            return self._memo[key]
        rates = self._pricer.rates(model, utc_day(ts_ms))
        found = None if rates is None else rates if rates.cache_read[1] else rates.cache_read_per_token()
        self._memo[key] = found
        return found


def compute(conn: sqlite3.Connection, session_id: int, pricer: RatesSource | _ReadPrices, recap_allowance: int,
            with_quarters: bool = True) -> ChatRow:
    """A chat's figures (and quarter-hours) from its stored calls, in one indexed range read; nothing is written."""
    prices = pricer if isinstance(pricer, _ReadPrices) else _ReadPrices(pricer)
    done = walk(conn.execute(_CALLS, (session_id,)), prices.at, recap_allowance)
    return ChatRow(session_id, done.figures, done.wrote_1h_cache, done.last_ms,
                   done.quarters if with_quarters else [])


_MANY = ("SELECT session_id, ts_ms, model, input + cache_write_5m + cache_write_1h + cache_read, cache_write_1h,"
         " cost_usd, cache_read FROM api_call WHERE session_id IN ({marks}) ORDER BY session_id, ts_ms, id")
_CHUNK = 500


def _compute_many(conn: sqlite3.Connection, ids: list[int], prices: _ReadPrices,
                  recap_allowance: int) -> Iterator[ChatRow]:
    """compute() for many chats, a few hundred per read (a backfill reads every call of the store: one query
    per chat cost a second in query set-up alone)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found: set[int] = set()
        cur = conn.execute(_MANY.format(marks=",".join("?" * len(chunk))), chunk)
        for sid, calls in groupby(cur, key=itemgetter(0)):
            found.add(sid)
            done = walk((c[1:] for c in calls), prices.at, recap_allowance)
            yield ChatRow(sid, done.figures, done.wrote_1h_cache, done.last_ms, done.quarters)
        for sid in chunk:
            if sid not in found:  # every call of it was dropped: figures of nothing, written as such
                yield compute(conn, sid, prices, recap_allowance)


def refresh(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
            recap_allowance: int) -> RefreshResult:
    """Recompute the figures of the given chats (e.g. `ScanSummary.sessions_touched`) and their families'."""
    ids = sorted(set(session_ids))
    result = RefreshResult()
    if not ids:
        return result
    # Prices are resolved before the write transaction: the pricer may save rates through another connection.
    prices = _ReadPrices(pricer)
    rows = list(_compute_many(conn, ids, prices, recap_allowance))
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
        last_ms=row.last_ms, quarters=tuple((q.bucket_ms, q.calls, q.waste_tokens, q.waste_cost, q.read_cost,
                                            q.long_context_read_cost, q.long_chat_read_cost) for q in row.quarters))
