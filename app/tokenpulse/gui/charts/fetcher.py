"""Reads for the charts on a small thread pool, each with its own read-only connection; results come back as
queued signals of a main-thread QObject, so widgets are only touched on the GUI thread."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
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
        self._sig_posted.connect(self._on_job_posted, Qt.ConnectionType.QueuedConnection)

    def submit(self, query: Query) -> int:
        """Run `query(conn)` on a pool thread with a fresh read-only connection (WAL: parallel to the writer)."""
        return self._start(query, needs_db=True)

    def run(self, task: Callable[[], Any]) -> int:
        """Run `task()` on a pool thread (file writes of exports)."""
        return self._start(lambda _conn: task(), needs_db=False)

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

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


class _Job(QRunnable):
    def __init__(self, fetcher: Fetcher, ticket: int, query: Query, uri: str | None) -> None:
        super().__init__()
        self._fetcher, self._ticket, self._query, self._uri = fetcher, ticket, query, uri

    def run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            if self._uri is not None:
                conn = sqlite3.connect(self._uri, uri=True, timeout=5.0)
                conn.execute("PRAGMA cache_size=-32768")  # group-bys sort in memory, not in temp files
            result = self._query(conn)  # type: ignore[arg-type]
        except Exception as exc:
            log.exception("charts query failed")
            self._fetcher.post(self._ticket, None, f"{type(exc).__name__}: {exc}")
            return
        finally:
            if conn is not None:
                conn.close()
        self._fetcher.post(self._ticket, result, "")
