"""Opening an agent's SQLite database read-only, so that reading it never writes it or locks the agent out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tokenpulse.sources.walk import check_regular

_BUSY_TIMEOUT_S = 2.0


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
    bytes distinct (stable ids), and in a JSON column they are not valid JSON, so the row is counted."""
    return raw.decode("utf-8", "backslashreplace")


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The column names of a table (empty when it does not exist)."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
