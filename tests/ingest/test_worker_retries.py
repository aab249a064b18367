"""The app's worker never drops what it could not write: failed or deferred changes are retried until they are
recorded, a periodic rescan catches what the watcher missed, and a replaced store is reopened.

Each test runs the real worker on real files; "the disk" is the store's page limit (PRAGMA max_page_count),
which makes SQLite fail exactly as on a full disk (SQLITE_FULL), and "another process" holds real locks.
Each one failed on the worker before retries: the changes stayed missing until the same file was appended to.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from worker_helpers import Recorder, line

from helpers import write_lines
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings
from tokenpulse.service.worker import IngestWorker
from tokenpulse.store.locks import ScanLock
from tokenpulse.workspace import Workspace

pytestmark = pytest.mark.slow  # real waits for the worker's retry pauses


class Disk:
    """Shared between the test and the worker's workspace: whether the store may grow."""

    def __init__(self) -> None:
        self.full = False
        self.busy_timeout_ms: int | None = None


def _calls(data: Path) -> int:
    conn = sqlite3.connect(data / "tokenpulse.sqlite3", timeout=30)
    try:
        return int(conn.execute("SELECT count(*) FROM api_call").fetchone()[0])
    finally:
        conn.close()


def _until(pred: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"not within {timeout}s"
        time.sleep(0.05)


@pytest.fixture
def start(tmp_path: Path):  # type: ignore[no-untyped-def]
    workers: list[IngestWorker] = []

    def make(disk: Disk, **options: object) -> tuple[IngestWorker, Recorder]:
        rec = Recorder()
        env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "no-codex")}

        def factory(s: Settings) -> Workspace:
            ws = Workspace(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", settings=s)
            if disk.busy_timeout_ms is not None:
                ws.conn.execute(f"PRAGMA busy_timeout={disk.busy_timeout_ms}")

            def limited(fn: Callable[..., object]) -> Callable[..., object]:
                def run(*args: object, **kwargs: object) -> object:
                    pages = ws.conn.execute("PRAGMA page_count").fetchone()[0]
                    ws.conn.execute(f"PRAGMA max_page_count={pages if disk.full else 1 << 30}")
                    return fn(*args, **kwargs)
                return run

            ws.scan = limited(ws.scan)  # type: ignore[method-assign]
            ws.scan_paths = limited(ws.scan_paths)  # type: ignore[method-assign]
            return ws

        worker = IngestWorker(factory, Settings(timezone="UTC"), rec, **options)  # type: ignore[arg-type]
        workers.append(worker)
        worker.start()
        return worker, rec

    yield make
    for w in workers:
        w.stop()
        assert not w.alive


def _log(tmp_path: Path) -> Path:
    return tmp_path / "claude/projects/p/s.jsonl"


def test_calls_written_while_the_disk_is_full_arrive_once_space_is_freed(tmp_path: Path, start,  # type: ignore[no-untyped-def]
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    write_lines(_log(tmp_path), [line(0, 5)])
    disk = Disk()
    _worker, rec = start(disk)
    rec.wait(lambda s: s.ready)
    disk.full = True
    caplog.set_level(logging.WARNING)
    write_lines(_log(tmp_path), [line(n, 5) for n in range(1, 201)], mode="a")
    snap = rec.wait(lambda s: any(p.startswith("not recording: the disk is full") for p in s.problems), timeout=15)
    assert "retrying in" in snap.problems[0]
    assert _calls(tmp_path / "data") == 1
    disk.full = False  # space freed; the log is not touched again
    _until(lambda: _calls(tmp_path / "data") == 201)
    rec.wait(lambda s: not any(p.startswith("not recording") for p in s.problems))
    failures = [r for r in caplog.records if "not recording" in r.getMessage()]
    assert failures and all(r.exc_info is None for r in failures)  # one plain line each, no traceback


def test_a_first_import_stopped_by_a_full_disk_resumes_without_a_restart(tmp_path: Path, start) -> None:  # type: ignore[no-untyped-def]
    write_lines(_log(tmp_path), [line(n, 5) for n in range(300)])
    disk = Disk()
    disk.full = True
    _worker, rec = start(disk)
    rec.wait(lambda s: any(p.startswith("not recording") for p in s.problems), timeout=15)
    disk.full = False
    _until(lambda: _calls(tmp_path / "data") == 300)
    rec.wait(lambda s: s.ready)


def test_changes_deferred_by_a_scan_in_another_process_are_recorded_after_it(tmp_path: Path, start) -> None:  # type: ignore[no-untyped-def]
    write_lines(_log(tmp_path), [line(0, 5)])
    _worker, rec = start(Disk())
    rec.wait(lambda s: s.ready)
    lock = ScanLock(resolve(tmp_path / "data").scan_lock)
    assert lock.acquire()  # `tokenpulse scan` in another process
    try:
        write_lines(_log(tmp_path), [line(n, 5) for n in range(1, 21)], mode="a")
        time.sleep(3)  # the worker tried, found the lock taken, and put the files aside
        assert _calls(tmp_path / "data") == 1
    finally:
        lock.release()
    _until(lambda: _calls(tmp_path / "data") == 21)


def test_a_store_locked_past_its_timeout_loses_nothing(tmp_path: Path, start) -> None:  # type: ignore[no-untyped-def]
    write_lines(_log(tmp_path), [line(0, 5)])
    disk = Disk()
    disk.busy_timeout_ms = 300  # the real timeout is 30 s; the behaviour is the same
    _worker, rec = start(disk)
    rec.wait(lambda s: s.ready)
    other = sqlite3.connect(resolve(tmp_path / "data").database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        write_lines(_log(tmp_path), [line(n, 5) for n in range(1, 11)], mode="a")
        rec.wait(lambda s: any("locked" in p for p in s.problems), timeout=15)
    finally:
        other.execute("ROLLBACK")
        other.close()
    _until(lambda: _calls(tmp_path / "data") == 11)


def test_the_periodic_rescan_catches_a_change_the_watcher_never_saw(tmp_path: Path, start) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(_log(tmp_path), [line(0, 5)])
    _worker, rec = start(Disk(), rescan_every_s=1.0)
    rec.wait(lambda s: s.ready and s.importing is None)
    seen = len(rec.snapshots)
    outside = tmp_path / "elsewhere" / "same-file.jsonl"
    outside.parent.mkdir()
    os.link(log, outside)  # the same file under a name in a folder nobody watches: no event reaches the app
    write_lines(outside, [line(n, 5) for n in range(1, 6)], mode="a")
    _until(lambda: _calls(tmp_path / "data") == 6, timeout=20)
    rec.wait(lambda s: s.today.calls == 6)
    assert not any(s.importing for s in rec.snapshots[seen:])  # a rescan is not announced as an import


def test_a_store_replaced_while_the_app_runs_is_reopened(tmp_path: Path, start) -> None:  # type: ignore[no-untyped-def]
    write_lines(_log(tmp_path), [line(n, 5) for n in range(10)])
    _worker, rec = start(Disk())
    rec.wait(lambda s: s.ready)
    db = resolve(tmp_path / "data").database
    copy = tmp_path / "restored-by-hand.sqlite3"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(copy)
    src.backup(dst)  # the user restores a copy by hand: a new file under the store's name
    src.close()
    dst.close()
    os.replace(copy, db)
    # The test reads the store only through the worker's pictures until the worker has reopened it: a second
    # connection opened while the old one still maps the journal files by name is exactly the hazard of
    # replacing a live SQLite file, and it is not what this test is about.
    write_lines(_log(tmp_path), [line(n, 5) for n in range(10, 15)], mode="a")
    rec.wait(lambda s: s.ready and s.today.calls == 15, timeout=15)
    write_lines(_log(tmp_path), [line(15, 5)], mode="a")  # and it keeps recording into the new file
    rec.wait(lambda s: s.today.calls == 16, timeout=15)
    assert _calls(tmp_path / "data") == 16
