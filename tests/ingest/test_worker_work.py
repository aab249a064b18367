"""The app's worker keeps the work figures from git current in the background: after the first import the
store holds them; a git read that takes long never delays the recording of a new call; a large write is done
one repository at a time, with the calls that arrive meanwhile recorded between two repositories."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from worker_helpers import Recorder

from gitrepo import require_git
from helpers import claude_line, write_lines
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings
from tokenpulse.service.worker import IngestWorker
from tokenpulse.store import git_work
from tokenpulse.work.reader import WorkReader
from tokenpulse.workspace import Workspace
from work_world import World, build, iso


def _count(data: Path, sql: str) -> int:
    if not (data / "tokenpulse.sqlite3").exists():
        return -1
    conn = sqlite3.connect(f"file:{data / 'tokenpulse.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return -1
    finally:
        conn.close()


def _until(pred: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"not within {timeout}s"
        time.sleep(0.05)


@pytest.fixture
def world(tmp_path: Path) -> World:
    require_git()
    return build(tmp_path)


@pytest.fixture
def start(tmp_path: Path, world: World) -> Iterator[Callable[..., tuple[IngestWorker, Recorder]]]:
    workers: list[IngestWorker] = []

    def make(reader: WorkReader | None = None) -> tuple[IngestWorker, Recorder]:
        rec = Recorder()

        def factory(s: Settings) -> Workspace:
            ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(world.claude),
                                                            "CODEX_HOME": str(tmp_path / "no-codex")},
                           home=tmp_path / "nohome", settings=s)
            ws.work_reader = reader or WorkReader(env=world.env)
            return ws

        worker = IngestWorker(factory, Settings(timezone="UTC"), rec)
        workers.append(worker)
        worker.start()
        return worker, rec

    yield make
    for w in workers:
        w.stop()
        assert not w.alive


def test_after_the_first_import_the_store_holds_the_work_figures(world: World, start, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _worker, rec = start()
    data = tmp_path / "data"
    _until(lambda: _count(data, "SELECT count(*) FROM project_repo") == 6)
    assert _count(data, "SELECT count(*) FROM git_commit") == 6 + 4 + 1
    conn = sqlite3.connect(data / "tokenpulse.sqlite3")
    try:
        stored = git_work.load(conn)
    finally:
        conn.close()
    assert stored.repo_of[str(world.plain)] is None
    assert stored.repo_of[str(world.worktree)] == stored.repo_of[str(world.alpha.path)] == str(world.alpha.path / ".git")
    # the charts are told: a snapshot follows the write (forced, though the tray's numbers did not change)
    seen = len(rec.snapshots)
    rec.until(lambda: len(rec.snapshots) >= seen)


class _SlowReader(WorkReader):
    """A reader whose git read waits until the test lets it go (a first read of many repositories)."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env=env)
        self.entered = threading.Event()
        self.release = threading.Event()

    def refresh(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.entered.set()
        assert self.release.wait(30), "the test never released the read"
        return super().refresh(*args, **kwargs)


def test_a_long_git_read_never_delays_recording_a_call(world: World, start, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reader = _SlowReader(world.env)
    _worker, rec = start(reader)
    data = tmp_path / "data"
    assert reader.entered.wait(20), "no work read started after the first import"
    calls = _count(data, "SELECT count(*) FROM api_call")
    write_lines(world.claude / "projects" / "a1" / "a1.jsonl",
                [claude_line(msg_id="late", req_id="late", output=5, ts=iso(1_767_300_000), session="a1",
                             cwd=str(world.alpha.path))], mode="a")
    try:
        _until(lambda: _count(data, "SELECT count(*) FROM api_call") == calls + 1, timeout=10)  # git still reading
        assert not reader.release.is_set()
    finally:
        reader.release.set()
    _until(lambda: _count(data, "SELECT count(*) FROM git_commit") == 11)


@pytest.mark.slow
def test_a_large_write_lets_new_calls_in_between_two_repositories(world: World, start, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    order: list[str] = []
    save_repo = git_work.save_repo

    def slow_save(conn, state, *args, **kwargs):  # type: ignore[no-untyped-def]
        order.append("repository")
        if len(order) == 1:  # a call arrives while the first repository is written
            write_lines(world.claude / "projects" / "b1" / "b1.jsonl",
                        [claude_line(msg_id="mid", req_id="mid", output=3, ts=iso(1_767_300_000), session="b1",
                                     cwd=str(world.beta.path))], mode="a")
            time.sleep(1.0)  # the watcher's event reaches the queue before the next slice is queued
        return save_repo(conn, state, *args, **kwargs)

    monkeypatch.setattr(git_work, "save_repo", slow_save)
    worker, _rec = start()
    _until(lambda: len(order) >= 1)
    scanned = worker._ws.scan_paths  # type: ignore[union-attr]

    def noted(paths):  # type: ignore[no-untyped-def]
        order.append("calls")
        return scanned(paths)

    worker._ws.scan_paths = noted  # type: ignore[union-attr,method-assign]
    _until(lambda: _count(tmp_path / "data", "SELECT count(*) FROM project_repo") == 6)
    assert order[:3] == ["repository", "calls", "repository"], order
    assert order.count("repository") == 3  # alpha, beta, gone: one slice each
