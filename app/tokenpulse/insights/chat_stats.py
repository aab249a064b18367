"""The chat_stats table: recomputing per-chat waste figures for the sessions a scan touched."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from tokenpulse.insights.waste import CallPoint, ChatFigures, chat_figures
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates


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

_UPSERT = """
INSERT INTO chat_stats (session_id, parent_id, calls, first_context, peak_context, last_context, context_tokens,
                        waste_tokens, waste_cost_usd, cost_usd, waste_share, family_cost_usd,
                        family_waste_cost_usd, wrote_1h_cache, recap_allowance, last_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (session_id) DO UPDATE SET
    parent_id = excluded.parent_id, calls = excluded.calls, first_context = excluded.first_context,
    peak_context = excluded.peak_context, last_context = excluded.last_context,
    context_tokens = excluded.context_tokens, waste_tokens = excluded.waste_tokens,
    waste_cost_usd = excluded.waste_cost_usd, cost_usd = excluded.cost_usd, waste_share = excluded.waste_share,
    wrote_1h_cache = excluded.wrote_1h_cache, recap_allowance = excluded.recap_allowance,
    last_ms = excluded.last_ms
"""


def read_price(pricer: RatesSource, model: str, ts_ms: int) -> float | None:
    rates = pricer.rates(model, utc_day(ts_ms))
    return None if rates is None else rates.cache_read_per_token()


def compute(conn: sqlite3.Connection, session_id: int, pricer: RatesSource, recap_allowance: int) -> ChatRow:
    """A chat's figures from its stored calls (one indexed range read); nothing is written."""
    points: list[CallPoint] = []
    wrote_1h = False
    last_ms = 0
    for ts_ms, model, context, cw1h, cost in conn.execute(_CALLS, (session_id,)):
        points.append(CallPoint(int(context), read_price(pricer, model, ts_ms), cost))
        wrote_1h = wrote_1h or cw1h > 0
        last_ms = ts_ms
    return ChatRow(session_id, chat_figures(points, recap_allowance), wrote_1h, last_ms)


def refresh(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
            recap_allowance: int) -> RefreshResult:
    """Recompute the figures of the given chats (e.g. `ScanSummary.sessions_touched`) and their parents' roll-ups."""
    ids = sorted(set(session_ids))
    result = RefreshResult()
    if not ids:
        return result
    # Prices are resolved before the write transaction: the pricer may save rates through another connection.
    rows = [compute(conn, sid, pricer, recap_allowance) for sid in ids]
    own_tx = not conn.in_transaction
    if own_tx:
        conn.execute("BEGIN IMMEDIATE")
    try:
        known = _existing(conn, ids)
        families: set[int] = set()
        for row in rows:
            if row.figures.calls == 0:
                continue  # every call of the chat was dropped (sidechain replays): no figures to keep
            parent_id = _parent_id(conn, row.session_id)
            f = row.figures
            conn.execute(_UPSERT, (
                row.session_id, parent_id, f.calls, f.first_context, f.peak_context, f.last_context,
                f.context_tokens, f.waste_tokens, f.waste_cost, f.cost, f.waste_share, f.cost, f.waste_cost,
                int(row.wrote_1h_cache), recap_allowance, row.last_ms))
            result.updated += 1
            families.add(parent_id if parent_id is not None else row.session_id)
            if row.session_id not in known:
                result.new_sessions.add(row.session_id)
                # sub-agent chats stored before their parent: link them now, once per new chat
                if _adopt_children(conn, row.session_id):
                    families.add(row.session_id)
        for family in families:
            _roll_up(conn, family)
        if own_tx:
            conn.execute("COMMIT")
    except BaseException:
        if own_tx:
            conn.execute("ROLLBACK")
        raise
    return result


def stale_sessions(conn: sqlite3.Connection, recap_allowance: int) -> list[int]:
    """Chats without figures, or computed with another R (a full pass; for start-up after an upgrade)."""
    return [r[0] for r in conn.execute(
        "SELECT s.id FROM chat_session s LEFT JOIN chat_stats t ON t.session_id = s.id"
        " WHERE t.session_id IS NULL OR t.recap_allowance <> ?", (recap_allowance,))]


def refresh_stale(conn: sqlite3.Connection, pricer: RatesSource, recap_allowance: int) -> RefreshResult:
    return refresh(conn, stale_sessions(conn, recap_allowance), pricer, recap_allowance)


def _existing(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(r[0] for r in conn.execute(
            f"SELECT session_id FROM chat_stats WHERE session_id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _parent_id(conn: sqlite3.Connection, session_id: int) -> int | None:
    row = conn.execute(
        "SELECT p.id FROM chat_session s JOIN chat_session p ON p.source = s.source AND p.session_key = s.parent_key"
        " WHERE s.id = ?", (session_id,)).fetchone()
    return None if row is None else int(row[0])


def _adopt_children(conn: sqlite3.Connection, parent_id: int) -> bool:
    cur = conn.execute(
        "UPDATE chat_stats SET parent_id = ? WHERE parent_id IS NULL AND session_id IN ("
        " SELECT c.id FROM chat_session p JOIN chat_session c ON c.source = p.source AND c.parent_key = p.session_key"
        " WHERE p.id = ?)", (parent_id, parent_id))
    return cur.rowcount > 0


def _roll_up(conn: sqlite3.Connection, parent_id: int) -> None:
    """family_* = the chat's own figures plus those of its sub-agent chats (ix_chat_stats_parent)."""
    own = conn.execute("SELECT cost_usd, waste_cost_usd FROM chat_stats WHERE session_id = ?",
                       (parent_id,)).fetchone()
    if own is None:
        return
    cost, waste = own
    for child_cost, child_waste in conn.execute(
            "SELECT cost_usd, waste_cost_usd FROM chat_stats WHERE parent_id = ?", (parent_id,)):
        cost = _add(cost, child_cost)
        waste = _add(waste, child_waste)
    conn.execute("UPDATE chat_stats SET family_cost_usd = ?, family_waste_cost_usd = ? WHERE session_id = ?",
                 (cost, waste, parent_id))


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else a + b

