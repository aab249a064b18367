"""Writing the chat_stats table: each chat's waste figures as computed (insights.chat_stats), its link to
its parent chat, and the family sums (a chat plus its sub-agent chats)."""

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


def write(conn: sqlite3.Connection, rows: Sequence[ChatFiguresRow], recap_allowance: int) -> set[int]:
    """Store these chats' figures (one transaction); returns the chats that had none before."""
    ids = [r.session_id for r in rows]
    new: set[int] = set()
    with write_tx(conn):
        known = _existing(conn, ids)
        families: set[int] = set()
        for row in rows:
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
    return new


def stale_sessions(conn: sqlite3.Connection, recap_allowance: int) -> list[int]:
    """Chats without figures, or computed with another R (a full pass; for start-up after an upgrade)."""
    return [r[0] for r in conn.execute(
        "SELECT s.id FROM chat_session s LEFT JOIN chat_stats t ON t.session_id = s.id"
        " WHERE t.session_id IS NULL OR t.recap_allowance <> ?", (recap_allowance,))]


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
