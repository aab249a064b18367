"""The one way the store writes: a write transaction that commits as a whole or not at all.

Every SQL write of tokenpulse runs inside `write_tx` (and lives in this package). Connections are opened in
autocommit mode (`isolation_level=None`), so the transaction is explicit: BEGIN IMMEDIATE takes the write lock
up front (a reader never has to be upgraded half way, which is where SQLite deadlocks), COMMIT on success,
ROLLBACK on any error. A nested `write_tx` joins the transaction already open: the outermost one decides.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

# A scan commits its files in groups this long: few enough COMMITs to cost little, often enough that a crash
# loses only a moment of work and that other processes see progress. TOKENPULSE_COMMIT_EVERY_S changes it (0:
# a commit after every file, which the crash test uses to have a crash land between as many commits as can be).
_COMMIT_EVERY = os.environ.get("TOKENPULSE_COMMIT_EVERY_S")
GROUP_SECONDS = float(_COMMIT_EVERY or 0.1)
# A first import (a store without calls) is one transaction unless the variable says otherwise: it cannot leave a
# half-imported store behind (a crash rolls all of it back and the next scan starts over), and the COMMITs and
# the page rewrites between them were a tenth of the import. Other processes see its calls when it ends.
FIRST_IMPORT_SECONDS = float(_COMMIT_EVERY) if _COMMIT_EVERY else math.inf


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


class WriteGroup:
    """Many small writes (a scan's files) committed together, one transaction per `seconds`.

    A transaction per log file made COMMIT a sixth of a first import. Inside a group each file's `write_tx`
    joins the group's transaction; `step()` between files commits once the transaction is `seconds` old. Rows
    and cursors still commit together, so a crash loses at most the last group, which the next scan reads again
    from the cursors before it: nothing is lost or counted twice. An error rolls back only the open group.

    `before_commit` runs inside each group's transaction just before it commits (also when the group joined a
    caller's transaction): what the writer summed over the group's files is written with them, or not at all.
    """

    def __init__(self, conn: sqlite3.Connection, seconds: float = GROUP_SECONDS,
                 before_commit: Callable[[], None] | None = None) -> None:
        self._conn = conn
        self._seconds = seconds
        self._before_commit = before_commit
        self._started = 0.0
        self._own = False  # this group opened the transaction (not a caller's write_tx around it)

    def __enter__(self) -> WriteGroup:
        return self

    def step(self) -> None:
        """Between two writes: open the group's transaction, or commit it when it is old enough."""
        conn = self._conn
        if self._own and conn.in_transaction and time.monotonic() - self._started < self._seconds:
            return
        if self._own and conn.in_transaction:
            if self._before_commit is not None:
                self._before_commit()
            conn.execute("COMMIT")
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            self._own = True
            self._started = time.monotonic()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        conn = self._conn
        if kind is None and conn.in_transaction and self._before_commit is not None:
            try:
                self._before_commit()
            except BaseException:
                if self._own and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        if not (self._own and conn.in_transaction):
            return
        if kind is None:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        else:
            conn.execute("ROLLBACK")
