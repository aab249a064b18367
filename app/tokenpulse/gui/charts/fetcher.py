"""Reads for the charts on a small thread pool, each with its own read-only connection; results come back as
queued signals of a main-thread QObject, so widgets are only touched on the GUI thread.

Queries submitted with `keep=True` (the chats and projects listings) share one read-only connection instead,
one at a time, so the temporary tables one of them builds for a range serve the next: a new sort or filter, or
Projects after Chats (insights.chart_chats rebuilds them when the range or the store changed). `forget_kept()`
(new data, a restored backup) has the next query open it afresh."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Query = Callable[[sqlite3.Connection], Any]


class Fetcher(QObject):
    """Lives on the GUI thread. `submit` returns a ticket; `sig_done(ticket, result)` follows on this thread."""

    sig_done = Signal(int, object)
    sig_failed = Signal(int, str)
    _sig_posted = Signal(int, object, str)  # emitted on pool threads only

    def __init__(self, db_path: Path, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self._uri = f"file:{db_path}?mode=ro"
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._ticket = 0
        self._kept: sqlite3.Connection | None = None  # the connection `keep=True` queries share
        self._kept_stale = False
        self.kept_lock = threading.Lock()
        self._sig_posted.connect(self._on_job_posted, Qt.ConnectionType.QueuedConnection)

    def submit(self, query: Query, keep: bool = False) -> int:
        """Run `query(conn)` on a pool thread with a fresh read-only connection (WAL: parallel to the writer);
        with `keep`, on the kept connection, whose temporary tables outlive the query."""
        if keep:
            return self._start(lambda _conn: self._on_kept(query), needs_db=False)
        return self._start(query, needs_db=True)

    def run(self, task: Callable[[], Any]) -> int:
        """Run `task()` on a pool thread (file writes of exports)."""
        return self._start(lambda _conn: task(), needs_db=False)

    def wait(self, msecs: int = -1) -> bool:
        done = self._pool.waitForDone(msecs)
        if done:
            with self.kept_lock:
                if self._kept is not None:
                    self._kept.close()
                    self._kept = None
        return done

    def forget_kept(self) -> None:
        """The store changed (or was replaced by a backup): the next kept query opens a new connection. Never
        blocks: a query running on the kept connection finishes first."""
        self._kept_stale = True

    def _on_kept(self, query: Query) -> Any:
        """Pool thread: run `query` on the kept connection (opened on first use), one query at a time."""
        with self.kept_lock:
            if self._kept is not None and self._kept_stale:
                self._kept.close()
                self._kept = None
            self._kept_stale = False
            if self._kept is None:
                self._kept = open_reader(self._uri, check_same_thread=False)
            try:
                return query(self._kept)
            except sqlite3.Error:
                self._kept_stale = True  # whatever state it is in, the next query starts afresh
                raise

    def _start(self, query: Query, needs_db: bool) -> int:
        self._ticket += 1
        self._pool.start(_Job(self, self._ticket, query, self._uri if needs_db else None))
        return self._ticket

    def post(self, ticket: int, result: object, error: str) -> None:
        """Called on a pool thread."""
        with contextlib.suppress(RuntimeError):  # the window went away while the query ran
            self._sig_posted.emit(ticket, result, error)

    @Slot(int, object, str)
    def _on_job_posted(self, ticket: int, result: object, error: str) -> None:
        if error:
            self.sig_failed.emit(ticket, error)
        else:
            self.sig_done.emit(ticket, result)


def open_reader(uri: str, check_same_thread: bool = True) -> sqlite3.Connection:
    """A read-only connection in autocommit mode: the listings' writes to their temporary tables must not open
    a transaction that holds an old snapshot of the store (the kept connection would never see new data, and
    the writer's checkpoints could not finish)."""
    conn = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=check_same_thread, isolation_level=None)
    conn.execute("PRAGMA cache_size=-32768")  # group-bys sort in memory, not in temp files
    conn.execute("PRAGMA temp_store=MEMORY")  # the listings' temporary tables too
    return conn


class _Job(QRunnable):
    def __init__(self, fetcher: Fetcher, ticket: int, query: Query, uri: str | None) -> None:
        super().__init__()
        self._fetcher, self._ticket, self._query, self._uri = fetcher, ticket, query, uri

    def run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            if self._uri is not None:
                conn = open_reader(self._uri)
            result = self._query(conn)  # type: ignore[arg-type]
        except Exception as exc:
            log.exception("charts query failed")
            self._fetcher.post(self._ticket, None, f"{type(exc).__name__}: {exc}")
            return
        finally:
            if conn is not None:
                conn.close()
        self._fetcher.post(self._ticket, result, "")
