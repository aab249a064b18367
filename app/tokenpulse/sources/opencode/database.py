"""Reading OpenCode's SQLite database read-only and incrementally, without ever locking the agent out.

What is new since the last read: rows with a larger rowid (inserted), rows whose `time_updated` is at or
after the newest one seen (updated, when OpenCode bumps it), and assistant messages that were still
running (no `time.completed`) at the last read, re-read by id until they complete.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.opencode.parser import DECODER, created_ms, message_call
from tokenpulse.sources.walk import check_regular

# How long a message may stay unfinished before we stop re-reading it (a crashed or aborted turn).
_PENDING_MS = 24 * 3600 * 1000
_BUSY_TIMEOUT_S = 2.0
_CHUNK = 500


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection: `mode=ro` never writes, and in WAL mode a reader never blocks the writer.

    Raises NotRegularFile (an OSError) when the database or its write-ahead files are not regular files:
    SQLite would block for ever opening a FIFO.
    """
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        try:
            check_regular(name)
        except FileNotFoundError:
            if name == str(path):
                raise
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S)
    conn.execute("PRAGMA query_only = ON")
    conn.text_factory = _lenient_text
    return conn


def _lenient_text(raw: bytes) -> str:
    """TEXT as str even when it is not UTF-8: sqlite3's default decoder raised on the first such row, which
    made every read of the database fail and lost the calls of all its other rows. The escapes keep distinct
    bytes distinct (stable ids), and in a `data` column they are not valid JSON, so the row is counted."""
    return raw.decode("utf-8", "backslashreplace")


def message_ids(path: Path) -> set[str]:
    """Every message id in a database (legacy files of these messages are superseded by the rows)."""
    conn = connect_readonly(path)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM message") if isinstance(row[0], str)}
    finally:
        conn.close()


def read_database(path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
    st = dict(state or {})
    last_rowid: int = st["rowid"] if type(st.get("rowid")) is int else -1
    last_updated = st.get("updated") if type(st.get("updated")) is int else None
    pending: dict[str, int] = {k: v for k, v in (st.get("pending") or {}).items() if type(v) is int}
    conn = connect_readonly(path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(message)")}
        if not {"id", "session_id", "data"} <= columns:
            raise sqlite3.DatabaseError("no OpenCode message table")
        max_rowid = conn.execute("SELECT coalesce(max(rowid), -1) FROM message").fetchone()[0]
        if max_rowid < last_rowid:  # rows renumbered (VACUUM) or the table rebuilt: read everything again
            last_rowid, last_updated, pending = -1, None, {}
        rows = _changed_rows(conn, "time_updated" in columns, last_rowid, last_updated, list(pending))
        sessions = _sessions(conn, {r[2] for r in rows if isinstance(r[2], str)})
    finally:
        conn.close()
    parsed = Parsed()
    skipped: Counter[str] = Counter()
    newest_created = 0
    for rowid, mid, sid, updated, data in rows:
        last_rowid = max(last_rowid, rowid)
        if isinstance(updated, int):
            last_updated = updated if last_updated is None else max(last_updated, updated)
        if not isinstance(data, (str, bytes)) or not isinstance(mid, str):
            skipped["record of an unexpected shape"] += 1
            continue
        try:
            msg = DECODER.decode(data)
        except msgspec.ValidationError:
            skipped["record of an unexpected shape"] += 1
            continue
        except (msgspec.DecodeError, UnicodeDecodeError):
            skipped["torn or malformed JSON document"] += 1
            continue
        except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
            skipped["JSON nested too deep"] += 1
            continue
        created = created_ms(msg.time) or 0
        newest_created = max(newest_created, created)
        pending.pop(mid, None)
        if msg.role == "assistant" and not _completed(msg.time):
            pending[mid] = created  # tokens arrive when the step finishes: look at it again next time
        directory, parent = sessions.get(sid, (None, None)) if isinstance(sid, str) else (None, None)
        call, had_usage = message_call(msg, skipped, message_id=mid, session=sid if isinstance(sid, str) else None,
                                       project=directory, parent=parent)
        parsed.usage_records += had_usage
        if call is not None:
            parsed.calls.append(call)
    parsed.skipped.update(skipped)
    horizon = max([newest_created, *pending.values()], default=0) - _PENDING_MS
    pending = {k: v for k, v in pending.items() if v >= horizon}
    return parsed, {"rowid": last_rowid, "updated": last_updated, "pending": pending}


def _changed_rows(conn: sqlite3.Connection, has_updated: bool, last_rowid: int, last_updated: int | None,
                  pending: list[str]) -> list[tuple[Any, ...]]:
    updated_col = "time_updated" if has_updated else "NULL"
    select = f"SELECT rowid, id, session_id, {updated_col}, data FROM message"
    if last_rowid < 0:
        return conn.execute(select).fetchall()
    found: dict[int, tuple[Any, ...]] = {}
    clause, args = "rowid > ?", [last_rowid]
    if has_updated and last_updated is not None:
        # `>=`: rows updated in the same millisecond as the newest seen are read again (keys make it harmless)
        clause += " OR time_updated >= ?"
        args.append(last_updated)
    for row in conn.execute(f"{select} WHERE {clause}", args):
        found[row[0]] = row
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start:start + _CHUNK]
        for row in conn.execute(f"{select} WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            found[row[0]] = row
    return [found[k] for k in sorted(found)]


def _sessions(conn: sqlite3.Connection, ids: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """session id → (directory, parent session id); empty when this schema has no such columns."""
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(session)")}
    except sqlite3.Error:
        return {}
    if not {"id", "directory"} <= columns:
        return {}
    parent_col = "parent_id" if "parent_id" in columns else "NULL"
    out: dict[str, tuple[str | None, str | None]] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        for sid, directory, parent in conn.execute(
                f"SELECT id, directory, {parent_col} FROM session WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            out[sid] = (directory if isinstance(directory, str) and directory else None,
                        parent if isinstance(parent, str) and parent else None)
    return out


def _completed(time: object) -> bool:
    return isinstance(time, dict) and time.get("completed") is not None

