"""The one way the store writes: a write transaction that commits as a whole or not at all.

Every SQL write of tokenpulse runs inside `write_tx` (and lives in this package). Connections are opened in
autocommit mode (`isolation_level=None`), so the transaction is explicit: BEGIN IMMEDIATE takes the write lock
up front (a reader never has to be upgraded half way, which is where SQLite deadlocks), COMMIT on success,
ROLLBACK on any error. A nested `write_tx` joins the transaction already open: the outermost one decides.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    if conn.in_transaction:  # inside a caller's transaction: its COMMIT covers these writes too
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back by itself (a full disk, an I/O error): a second ROLLBACK would
        # raise "no transaction is active" and hide the error the user needs to see
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
