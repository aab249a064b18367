"""Plan limits in the store (issue 11): snapshots of each window with their history, limit hits and chats' context
windows; written inside the caller's transaction (a scan's, with the calls and the cursor) or a write_tx.

A snapshot that repeats the reading just before it (same percentage, plan and reset time, give or take the
reset's jitter) only moves that row's `seen_ms`: the history holds one row per change, and the latest row's
`seen_ms` says how old the reading is. Re-reading a log changes nothing (the same rows, the same times).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from tokenpulse.quota import RESET_JITTER_MS, ContextWindowSeen, LimitHit, LimitRecords, LimitSnapshot
from tokenpulse.store.tx import write_tx

_COLUMNS = "source, scope, window_minutes, observed_ms, seen_ms, used_percent, resets_ms, plan, via"


def _text(text: str | None) -> str | None:
    """Text as SQLite can store it: a session id taken from a file name that is not UTF-8 holds lone surrogates,
    kept as backslash escapes (the rule of ledger.store_text, which imports this module, so it cannot be used)."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text
_KEY = "source = ? AND scope = ? AND window_minutes = ?"
_LAST_MS = 2**63 - 1  # past every observed_ms (SQLite's largest integer)


def write_records(conn: sqlite3.Connection, records: LimitRecords) -> None:
    with write_tx(conn):
        write_snapshots(conn, records.snapshots)
        for hit in records.hits:
            _write_hit(conn, hit)
        for seen in records.windows:
            _write_window(conn, seen)


def _same(row: tuple[object, ...], snap: LimitSnapshot) -> bool:
    """(used_percent, resets_ms, plan) of a row against a snapshot of the same window."""
    used, resets, plan = row
    if used != snap.used_percent or plan != snap.plan:
        return False
    if resets is None or snap.resets_ms is None:
        return resets == snap.resets_ms
    return abs(int(resets) - snap.resets_ms) <= RESET_JITTER_MS  # type: ignore[call-overload]


class _Row:
    """A limit_snapshot row as a run of snapshots leaves it: its stored values, `id` once it is known to be stored."""

    __slots__ = ("id", "observed_ms", "plan", "resets_ms", "saved_seen_ms", "seen_ms", "used_percent")

    def __init__(self, row_id: int | None, observed_ms: int, seen_ms: int, used_percent: object, resets_ms: object,
                 plan: object) -> None:
        self.id = row_id
        self.observed_ms = observed_ms
        self.seen_ms = seen_ms
        self.saved_seen_ms = seen_ms  # as stored (for a row not inserted yet: as it will be)
        self.used_percent = used_percent
        self.resets_ms = resets_ms
        self.plan = plan


def write_snapshots(conn: sqlite3.Connection, snaps: list[LimitSnapshot]) -> None:
    """Store snapshots in their order as `_write_snapshot` does one by one, with a few statements per window.

    A window whose snapshots here are in time order and all later than every row it has is a run: for each, the
    row just before it is the one the run last wrote or extended (never one after it), so the run is merged in
    memory as the row-by-row logic would merge it, and its new rows are inserted together. Any other window's
    snapshots are written one by one, in their place (pending inserts go first, so rows keep the ids they would
    have had).
    """
    if len(snaps) < 2:
        for snap in snaps:
            _write_snapshot(conn, snap)
        return
    groups: dict[tuple[str | None, str | None, int], list[LimitSnapshot]] = {}
    for snap in snaps:
        groups.setdefault((_text(snap.source), _text(snap.scope), snap.window_minutes), []).append(snap)
    latest: dict[tuple[str | None, str | None, int], _Row | None] = {}
    for key, group in groups.items():
        if any(b.observed_ms <= a.observed_ms for a, b in pairwise(group)):
            continue
        row = conn.execute(f"SELECT id, observed_ms, seen_ms, used_percent, resets_ms, plan FROM limit_snapshot"
                           f" WHERE {_KEY} ORDER BY observed_ms DESC LIMIT 1", key).fetchone()
        if row is None:
            latest[key] = None
        elif row[1] < group[0].observed_ms:
            latest[key] = _Row(*row)
    pending: list[tuple[tuple[str | None, str | None, int], LimitSnapshot, _Row]] = []
    touched: list[tuple[tuple[str | None, str | None, int], _Row]] = []
    for snap in snaps:
        key = (_text(snap.source), _text(snap.scope), snap.window_minutes)
        if key not in latest:
            _insert_rows(conn, pending)
            _write_snapshot(conn, snap)
            continue
        row = latest[key]
        if row is not None and _same((row.used_percent, row.resets_ms, row.plan), snap):
            if snap.seen_ms > row.seen_ms:
                row.seen_ms = snap.seen_ms
            continue
        if row is not None:
            touched.append((key, row))
        row = latest[key] = _Row(None, snap.observed_ms, snap.seen_ms, snap.used_percent, snap.resets_ms,
                                 _text(snap.plan))
        pending.append((key, snap, row))
    for key, row in latest.items():
        if row is not None:
            touched.append((key, row))
    _insert_rows(conn, pending)
    updates = [(row.seen_ms, *key, row.observed_ms) for key, row in touched if row.seen_ms > row.saved_seen_ms]
    if updates:
        conn.executemany(f"UPDATE limit_snapshot SET seen_ms = max(seen_ms, ?) WHERE {_KEY} AND observed_ms = ?",
                         updates)


def _insert_rows(conn: sqlite3.Connection,
                 pending: list[tuple[tuple[str | None, str | None, int], LimitSnapshot, _Row]]) -> None:
    """Insert the new rows of runs, in the order they were made (no conflict: each is later than its window's)."""
    if not pending:
        return
    conn.executemany(f"INSERT INTO limit_snapshot ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(*key, row.observed_ms, row.seen_ms, row.used_percent, row.resets_ms, row.plan, _text(snap.via))
                      for key, snap, row in pending])
    for _, _, row in pending:
        row.saved_seen_ms = row.seen_ms
    pending.clear()


def _write_snapshot(conn: sqlite3.Connection, snap: LimitSnapshot) -> None:
    key = (_text(snap.source), _text(snap.scope), snap.window_minutes)
    before = conn.execute(f"SELECT id, used_percent, resets_ms, plan, observed_ms FROM limit_snapshot WHERE {_KEY}"
                          " AND observed_ms <= ? ORDER BY observed_ms DESC LIMIT 1",
                          (*key, snap.observed_ms)).fetchone()
    if before is not None and _same(before[1:4], snap):
        conn.execute("UPDATE limit_snapshot SET seen_ms = max(seen_ms, ?) WHERE id = ?", (snap.seen_ms, before[0]))
        return
    after = conn.execute(f"SELECT id, used_percent, resets_ms, plan FROM limit_snapshot WHERE {_KEY}"
                         " AND observed_ms > ? ORDER BY observed_ms LIMIT 1", (*key, snap.observed_ms)).fetchone()
    # read out of order: the same reading began earlier (unless another reading holds that very moment: moving
    # the row onto it broke the table's uniqueness and the whole scan; the moment's row is then kept, as below)
    if after is not None and _same(after[1:], snap) and (before is None or before[4] < snap.observed_ms):
        conn.execute("UPDATE limit_snapshot SET observed_ms = ?, seen_ms = max(seen_ms, ?) WHERE id = ?",
                     (snap.observed_ms, snap.seen_ms, after[0]))
        return
    conn.execute(f"INSERT INTO limit_snapshot ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT (source, scope, window_minutes, observed_ms)"
                 " DO UPDATE SET seen_ms = max(limit_snapshot.seen_ms, excluded.seen_ms)",
                 (*key, snap.observed_ms, snap.seen_ms, snap.used_percent, snap.resets_ms, _text(snap.plan),
                  _text(snap.via)))


def _write_hit(conn: sqlite3.Connection, hit: LimitHit) -> None:
    if hit.resets_ms is not None and conn.execute(
            "SELECT 1 FROM limit_hit WHERE source = ? AND kind = ? AND resets_ms BETWEEN ? AND ? LIMIT 1",
            (_text(hit.source), hit.kind, hit.resets_ms - RESET_JITTER_MS, hit.resets_ms + RESET_JITTER_MS)).fetchone():
        return  # the same window's limit, hit again (a retry): one hit per window
    conn.execute("INSERT OR IGNORE INTO limit_hit (source, ts_ms, kind, window_minutes, resets_ms, session_key)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 (_text(hit.source), hit.ts_ms, _text(hit.kind), hit.window_minutes, hit.resets_ms,
                  _text(hit.session_key)))


def _write_window(conn: sqlite3.Connection, seen: ContextWindowSeen) -> None:
    conn.execute("INSERT INTO context_window (source, session_key, model, tokens, seen_ms) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT (source, session_key) DO UPDATE SET model = coalesce(excluded.model,"
                 " context_window.model), tokens = excluded.tokens, seen_ms = excluded.seen_ms"
                 " WHERE excluded.seen_ms >= context_window.seen_ms",
                 (_text(seen.source), _text(seen.session_key), _text(seen.model), seen.tokens, seen.seen_ms))


# --- reads --------------------------------------------------------------------------------------------------

def _snapshots(rows: Iterable[tuple[object, ...]]) -> list[LimitSnapshot]:
    out = []
    for source, scope, minutes, observed, seen, used, resets, plan, via in rows:
        out.append(LimitSnapshot(str(source), int(minutes), float(used), int(observed),  # type: ignore[call-overload, arg-type]
                                 None if resets is None else int(resets), None if plan is None else str(plan),  # type: ignore[call-overload]
                                 str(scope), str(via), int(seen)))  # type: ignore[call-overload]
    return out


def latest(conn: sqlite3.Connection, schema: str = "main") -> list[LimitSnapshot]:
    """The most recently seen snapshot of every window (per source and scope), in a stable order; `schema`: the
    database on `conn` to read ("main", or another device's copy attached under a store.sync.scope alias)."""
    if not schema.isidentifier():
        raise ValueError(f"not a schema name: {schema!r}")
    # The history grows by a row per change and every status asks this, so it is not read whole: the windows
    # are found by skipping along the unique index (one short search each: past a window's last observed_ms),
    # then the readings are read newest first (ix_limit_snapshot_seen; of two seen at the same moment, the one
    # observed first) until each window has its own.
    table = f"{schema}.limit_snapshot"
    order = "ORDER BY source, scope, window_minutes, observed_ms LIMIT 1"
    windows = []
    key = conn.execute(f"SELECT source, scope, window_minutes FROM {table} {order}").fetchone()
    while key is not None:
        windows.append(key)
        key = conn.execute(f"SELECT source, scope, window_minutes FROM {table}"
                           f" WHERE (source, scope, window_minutes, observed_ms) > (?, ?, ?, ?) {order}",
                           (*key, _LAST_MS)).fetchone()
    found: dict[tuple[object, ...], tuple[object, ...]] = {}
    if windows:
        for row in conn.execute(f"SELECT {_COLUMNS} FROM {table} ORDER BY seen_ms DESC, observed_ms"):
            found.setdefault(row[:3], row)
            if len(found) == len(windows):
                break
    return _snapshots(found[w] for w in windows)


def history(conn: sqlite3.Connection, since_ms: int, until_ms: int) -> list[LimitSnapshot]:
    """Every snapshot row whose span [observed_ms, seen_ms] meets [since_ms, until_ms), oldest first per window."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM limit_snapshot WHERE seen_ms >= ? AND observed_ms < ?"
        f" ORDER BY source, scope, window_minutes, observed_ms", (since_ms, until_ms)).fetchall()
    return _snapshots(rows)


def hits(conn: sqlite3.Connection, since_ms: int, until_ms: int) -> list[LimitHit]:
    rows = conn.execute("SELECT source, ts_ms, kind, window_minutes, resets_ms, session_key FROM limit_hit"
                        " WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms", (since_ms, until_ms)).fetchall()
    return [LimitHit(*row) for row in rows]


def chat_window(conn: sqlite3.Connection, source: str, session_key: str) -> tuple[int, str | None] | None:
    """(tokens, model) of the window the agent stated for this chat, if it did."""
    row = conn.execute("SELECT tokens, model FROM context_window WHERE source = ? AND session_key = ?",
                       (source, _text(session_key))).fetchone()
    return None if row is None else (int(row[0]), row[1])


def model_window(conn: sqlite3.Connection, model: str) -> int | None:
    """The window most recently stated for any chat of this model (a learned default for its other chats)."""
    row = conn.execute("SELECT tokens FROM context_window WHERE model = ? ORDER BY seen_ms DESC LIMIT 1",
                       (_text(model),)).fetchone()
    return None if row is None else int(row[0])


def reset_in_force(conn: sqlite3.Connection, source: str, window_minutes: int, at_ms: int) -> int | None:
    """When the main window in force at `at_ms` reset, as the reading nearest that moment said."""
    row = conn.execute("SELECT resets_ms FROM limit_snapshot WHERE source = ? AND scope = '' AND window_minutes = ?"
                       " AND resets_ms > ? AND resets_ms - ? <= ? ORDER BY abs(observed_ms - ?) LIMIT 1",
                       (source, window_minutes, at_ms, window_minutes * 60_000, at_ms, at_ms)).fetchone()
    return None if row is None else int(row[0])


# --- the status line's own short visit (issue 11 §2: it must never block Claude Code) -------------------------

def quick_connection(db_path: Path, timeout_s: float) -> sqlite3.Connection | None:
    """A connection to an existing store at the current schema that waits at most `timeout_s` for a lock; None
    when there is no such store (it is created or upgraded by a full command, not by a status line)."""
    from tokenpulse.store.schema_version import HEAD_REVISION

    if not db_path.is_file():
        return None
    conn = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True, timeout=timeout_s, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    if row is None or row[0] != HEAD_REVISION:
        conn.close()
        return None
    return conn


def chat_waste(conn: sqlite3.Connection, source: str, session_key: str) -> int | None:
    """A chat's long-chat waste so far (chat_stats, as the last scan left it), or None if it is not known."""
    row = conn.execute("SELECT st.waste_tokens FROM chat_stats st JOIN chat_session s ON s.id = st.session_id"
                       " WHERE s.source = ? AND s.session_key = ?", (source, session_key)).fetchone()
    return None if row is None else int(row[0])


def output_since(conn: sqlite3.Connection, since_ms: int) -> int:
    row = conn.execute("SELECT coalesce(sum(output), 0) FROM api_call WHERE ts_ms >= ?", (since_ms,)).fetchone()
    return int(row[0])


# --- after the upgrade to 0006: readings in the lines read before it ---------------------------------------

BACKFILL_KEY = "limits_backfill"  # set by migration 0006; removed once the backfill is done


def backfill_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM app_state WHERE key = ?", (BACKFILL_KEY,)).fetchone() is not None


def backfill_done(conn: sqlite3.Connection) -> None:
    with write_tx(conn):
        conn.execute("DELETE FROM app_state WHERE key = ?", (BACKFILL_KEY,))
