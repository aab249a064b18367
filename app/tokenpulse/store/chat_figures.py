"""Writing the chat_stats table: each chat's waste figures as computed (insights.chat_stats), its link to
its parent chat, and the family sums (a chat plus its sub-agent chats); with them, in the same transaction,
the chat's quarter-hours in waste_rollup and the sums over every chat in waste_quarter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tokenpulse.store.tx import write_tx


@dataclass(frozen=True, slots=True)
class ChatFiguresRow:
    """One chat's figures as computed from its calls, before they are written."""

    session_id: int
    calls: int
    first_context: int
    peak_context: int
    last_context: int
    context_tokens: int
    waste_tokens: int
    waste_cost_usd: float | None
    cost_usd: float | None
    waste_share: float | None
    wrote_1h_cache: bool
    last_ms: int
    # per UTC quarter-hour: (bucket_ms, calls, waste_tokens, waste_cost, read_cost, long_context_read_cost,
    # long_chat_read_cost), as waste_rollup stores them
    quarters: tuple[tuple[int, int, int, float | None, float | None, float | None, float | None], ...] = ()


# family_* start as the chat's own figures; `_roll_up` then adds the sub-agent chats of every family touched.
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
    family_cost_usd = excluded.family_cost_usd, family_waste_cost_usd = excluded.family_waste_cost_usd,
    wrote_1h_cache = excluded.wrote_1h_cache, recap_allowance = excluded.recap_allowance,
    last_ms = excluded.last_ms
"""


_QUARTERS = ("INSERT INTO waste_rollup (session_id, bucket_ms, top_level, calls, waste_tokens, waste_cost_usd,"
             " read_cost_usd, long_context_read_cost_usd, long_chat_read_cost_usd)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SUM_QUARTERS = ("INSERT INTO waste_quarter (bucket_ms, chats, calls, waste_tokens, waste_cost_usd, read_cost_usd,"
                 " long_context_read_cost_usd, long_chat_read_cost_usd)"
                 " SELECT bucket_ms, sum(top_level), sum(calls), sum(waste_tokens), sum(waste_cost_usd),"
                 " sum(read_cost_usd), sum(long_context_read_cost_usd), sum(long_chat_read_cost_usd)"
                 " FROM waste_rollup {where} GROUP BY bucket_ms")
_INCREMENTAL_MAX = 5_000  # more touched quarter-hours than this: waste_quarter is summed again whole


def write(conn: sqlite3.Connection, rows: Sequence[ChatFiguresRow], recap_allowance: int) -> set[int]:
    """Store these chats' figures (one transaction); returns the chats that had none before."""
    ids = [r.session_id for r in rows]
    new: set[int] = set()
    with write_tx(conn):
        known = _existing(conn, ids)
        families: set[int] = set()
        touched: set[int] = set()  # quarter-hours whose sums over every chat may have changed
        for row in rows:
            touched.update(_replace_quarters(conn, row))
            if row.calls == 0:
                continue  # every call of the chat was dropped (sidechain replays): no figures to keep
            parent_id = _parent_id(conn, row.session_id)
            conn.execute(_UPSERT, (
                row.session_id, parent_id, row.calls, row.first_context, row.peak_context, row.last_context,
                row.context_tokens, row.waste_tokens, row.waste_cost_usd, row.cost_usd, row.waste_share,
                row.cost_usd, row.waste_cost_usd, int(row.wrote_1h_cache), recap_allowance, row.last_ms))
            families.add(row.session_id)  # its own family: it may have sub-agent chats of its own
            if parent_id is not None:
                families.add(parent_id)
            if row.session_id not in known:
                new.add(row.session_id)
                _adopt_children(conn, row.session_id)  # sub-agent chats stored before their parent
        for family in families:
            _roll_up(conn, family)
        _sum_quarters(conn, touched)
    return new


def _replace_quarters(conn: sqlite3.Connection, row: ChatFiguresRow) -> set[int]:
    """The chat's rows in waste_rollup replaced by `row.quarters`; returns the quarter-hours before and after."""
    sid = row.session_id
    touched = {r[0] for r in conn.execute("SELECT bucket_ms FROM waste_rollup WHERE session_id = ?", (sid,))}
    conn.execute("DELETE FROM waste_rollup WHERE session_id = ?", (sid,))
    if row.quarters:
        top = conn.execute("SELECT parent_key IS NULL FROM chat_session WHERE id = ?", (sid,)).fetchone()
        top_level = 1 if top is None else int(top[0])
        conn.executemany(_QUARTERS, [(sid, q[0], top_level, *q[1:]) for q in row.quarters])
        touched.update(q[0] for q in row.quarters)
    return touched


def resum_quarters(conn: sqlite3.Connection) -> None:
    """waste_quarter summed again from every chat's rows (after chats were deleted: `forget`)."""
    with write_tx(conn):
        conn.execute("DELETE FROM waste_quarter")
        conn.execute(_SUM_QUARTERS.format(where=""))


def _sum_quarters(conn: sqlite3.Connection, buckets: set[int]) -> None:
    """waste_quarter again for these quarter-hours, from every chat's rows in them (ix_waste_rollup_bucket)."""
    if not buckets:
        return
    if len(buckets) > _INCREMENTAL_MAX:
        conn.execute("DELETE FROM waste_quarter")
        conn.execute(_SUM_QUARTERS.format(where=""))
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS waste_touched (bucket_ms INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.waste_touched")
    conn.executemany("INSERT INTO temp.waste_touched VALUES (?)", [(b,) for b in sorted(buckets)])
    conn.execute("DELETE FROM waste_quarter WHERE bucket_ms IN (SELECT bucket_ms FROM temp.waste_touched)")
    conn.execute(_SUM_QUARTERS.format(where="WHERE bucket_ms IN (SELECT bucket_ms FROM temp.waste_touched)"))
    conn.execute("DELETE FROM temp.waste_touched")


def stale_sessions(conn: sqlite3.Connection, recap_allowance: int) -> list[int]:
    """Chats with calls but without figures, computed with another R, or without their quarter-hours (a store
    upgraded to 0006): a full pass, for start-up. A chat without calls (a resume that only repeats its original's)
    never gets figures (`write` keeps none): counted stale, it would be computed again on every pass."""
    # CASE: the calls are looked up for the few stale chats only (with AND, SQLite looked them up for every chat
    # first, which doubled the time of this pass that every scan and `status` makes)
    return [r[0] for r in conn.execute(
        "SELECT s.id FROM chat_session s LEFT JOIN chat_stats t ON t.session_id = s.id"
        " WHERE CASE WHEN t.session_id IS NULL OR t.recap_allowance <> ?"
        " OR NOT EXISTS (SELECT 1 FROM waste_rollup w WHERE w.session_id = s.id)"
        " THEN EXISTS (SELECT 1 FROM api_call c WHERE c.session_id = s.id) END", (recap_allowance,))]


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


def _adopt_children(conn: sqlite3.Connection, parent_id: int) -> None:
    """Link the sub-agent chats already stored to this new parent (ix_chat_session_parent finds them)."""
    conn.execute(
        "UPDATE chat_stats SET parent_id = ? WHERE parent_id IS NULL AND session_id IN ("
        " SELECT c.id FROM chat_session p JOIN chat_session c ON c.source = p.source AND c.parent_key = p.session_key"
        " WHERE p.id = ?)", (parent_id, parent_id))


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


def figures_of(conn: sqlite3.Connection, session_ids: Iterable[int]) -> dict[int, tuple[object, ...]]:
    """The stored rows of these chats (tests compare them)."""
    ids = list(session_ids)
    out: dict[int, tuple[object, ...]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in conn.execute(f"SELECT * FROM chat_stats WHERE session_id IN ({','.join('?' * len(chunk))})",
                                chunk):
            out[int(row[0])] = tuple(row)
    return out
