"""The watcher only enqueues owned changes; the worker it feeds backfills, coalesces, pauses and idles at zero CPU."""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)
from worker_helpers import Recorder
from worker_helpers import line as _line

from helpers import claude_line, write_lines
from tokenpulse.config.settings import Settings
from tokenpulse.ingest.watcher import ROOTS_CHANGED, ChangeHandler, DirAppeared, Watcher, WatchRoot
from tokenpulse.service.messages import ApplySettings, Command, Pause, Refresh, Resume, Snooze
from tokenpulse.service.worker import IngestWorker
from tokenpulse.sources.claude_code import ClaudeCodeSource
from tokenpulse.workspace import Workspace

CLAUDE = ClaudeCodeSource()


def _roots(*paths: Path) -> list[WatchRoot]:
    return [WatchRoot(p, CLAUDE.owns) for p in paths]


def _drain(q: queue.Queue[object], first_timeout: float = 5.0, quiet: float = 0.3) -> list[object]:
    """Everything the watcher enqueued: wait for a first item, then until the queue stays quiet."""
    items = [q.get(timeout=first_timeout)]
    while True:
        try:
            items.append(q.get(timeout=quiet))
        except queue.Empty:
            return items


# --- the handler: pure filtering ------------------------------------------------------------------------

def test_handler_enqueues_only_files_a_source_owns(tmp_path: Path) -> None:
    root = tmp_path / "claude/projects"
    got: list[object] = []
    h = ChangeHandler(_roots(root), got.append)
    log = root / "p/s.jsonl"
    h.dispatch(FileModifiedEvent(str(log)))
    h.dispatch(FileCreatedEvent(str(root / "p/notes.txt")))  # not a log
    h.dispatch(FileModifiedEvent(str(root / "p/journal.jsonl")))  # a workflow journal: no usage
    h.dispatch(FileModifiedEvent(str(tmp_path / "elsewhere/s.jsonl")))  # outside every root
    h.dispatch(FileDeletedEvent(str(root / "p/gone.jsonl")))
    h.dispatch(FileMovedEvent(str(root / "p/tmp.part"), str(root / "p/t.jsonl")))
    assert got == [log, root / "p/gone.jsonl", root / "p/t.jsonl"]


def test_handler_ignores_opens_and_closes_so_our_own_reads_never_wake_us(tmp_path: Path) -> None:
    root = tmp_path / "claude/projects"
    got: list[object] = []
    h = ChangeHandler(_roots(root), got.append)
    for cls in (FileOpenedEvent, FileClosedNoWriteEvent, FileClosedEvent):
        h.dispatch(cls(str(root / "p/s.jsonl")))
    assert got == []


def test_handler_reports_folders_that_matter(tmp_path: Path) -> None:
    root = tmp_path / "claude/projects"
    got: list[object] = []
    h = ChangeHandler(_roots(root), got.append)
    h.dispatch(DirCreatedEvent(str(tmp_path / "claude")))  # on the way to a missing root
    h.dispatch(DirCreatedEvent(str(root / "new-project")))  # under a root: its files may predate the watch
    h.dispatch(DirMovedEvent(str(tmp_path / "x"), str(root / "moved-in")))
    h.dispatch(DirDeletedEvent(str(root)))  # the root itself went away
    h.dispatch(DirCreatedEvent(str(tmp_path / "unrelated")))
    assert got == [ROOTS_CHANGED, DirAppeared(root / "new-project"), DirAppeared(root / "moved-in"), ROOTS_CHANGED]


# --- the watcher: real watchdog on tmp folders ------------------------------------------------------------

def test_plan_watches_missing_roots_through_their_nearest_parent(tmp_path: Path) -> None:
    present = tmp_path / "a/projects"
    present.mkdir(parents=True)
    missing = tmp_path / "b/c/projects"
    w = Watcher(_roots(present, missing, present / "sub"), lambda _: None)
    assert w.plan() == [(present, True), (tmp_path, False)]


def test_an_appended_line_is_enqueued(tmp_path: Path) -> None:
    root = tmp_path / "claude/projects"
    log = write_lines(root / "p/s.jsonl", [claude_line()])
    q: queue.Queue[object] = queue.Queue()
    w = Watcher(_roots(root), q.put)
    w.start()
    try:
        assert w.watches == [(root, True)]
        write_lines(log, [claude_line(msg_id="m2")], mode="a")
        assert set(_drain(q)) == {log}
        log.read_bytes()  # reading is not a change: nothing may arrive
        with pytest.raises(queue.Empty):
            q.get(timeout=0.5)
    finally:
        w.stop()
    assert not w.running and w.watches == []


def test_a_root_that_appears_later_is_picked_up(tmp_path: Path) -> None:
    root = tmp_path / "claude/projects"
    q: queue.Queue[object] = queue.Queue()
    w = Watcher(_roots(root), q.put)
    w.start()
    try:
        assert w.watches == [(tmp_path, False)]
        root.mkdir(parents=True)
        assert ROOTS_CHANGED in _drain(q)
        w.refresh()  # what the worker does on ROOTS_CHANGED
        assert w.watches == [(root, True)]
        log = write_lines(root / "p/s.jsonl", [claude_line()])
        assert log in _drain(q)
    finally:
        w.stop()


def test_a_folder_that_cannot_be_watched_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "claude/projects"
    root.mkdir(parents=True)

    class Refusing:
        daemon = False

        def schedule(self, *args: object, **kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        def start(self) -> None: ...

        def stop(self) -> None: ...

        def join(self, timeout: float | None = None) -> None: ...

    w = Watcher(_roots(root), lambda _: None, observer_factory=Refusing)  # type: ignore[arg-type]
    w.start()
    assert w.problems == [f"cannot watch {root}: No space left on device"] and w.watches == []
    w.stop()


# --- the worker ---------------------------------------------------------------------------------------------

def test_backfill_reports_progress_then_a_ready_snapshot(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        write_lines(tmp_path / f"claude/projects/p/s{i}.jsonl", [_line(i, 100 + i, cache_read=1000)])
    _worker, rec = make_worker(tmp_path / "claude")
    snap = rec.wait(lambda s: s.ready)
    assert (snap.today.calls, snap.today.output_tokens, snap.today.cache_read_tokens) == (3, 303, 3000)
    assert snap.importing is None and rec.progress[-1] == (3, 3) and rec.errors == []


def test_an_appended_line_reaches_a_snapshot_within_two_seconds(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(1, 10)])
    _worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 10)
    start = time.monotonic()
    write_lines(log, [_line(2, 32, cache_read=5000)], mode="a")
    snap = rec.wait(lambda s: s.today.output_tokens == 42, timeout=2.0)
    assert time.monotonic() - start < 2.0
    assert snap.live is not None and snap.live.context_tokens == 5005


def test_a_burst_of_appends_becomes_one_or_two_batches(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(0, 1)])
    _worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 1)
    before = len(rec.batches)
    for i in range(1, 21):  # like a streaming agent: a small append every 20 ms
        write_lines(log, [_line(i, 1)], mode="a")
        time.sleep(0.02)  # the writer's pace, not a wait for a result
    rec.wait(lambda s: s.today.output_tokens == 21)
    batches = rec.batches[before:]
    assert 1 <= len(batches) <= 2 and all(b == [log] for b in batches)


def test_pause_stops_reading_and_resume_catches_up(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(1, 5)])
    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 5)
    worker.send(Pause())
    rec.wait(lambda s: s.paused)
    write_lines(log, [_line(2, 7)], mode="a")
    worker.send(Refresh())  # a forced snapshot after the write: still paused, still 5
    with pytest.raises(AssertionError):
        rec.wait(lambda s: s.today.output_tokens == 12, timeout=1.0)
    worker.send(Resume())
    snap = rec.wait(lambda s: not s.paused and s.today.output_tokens == 12)
    assert snap.ready


def test_new_settings_re_plan_the_roots_without_a_restart(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(1, 5)])
    other = tmp_path / "other-claude"
    write_lines(other / "projects/q/t.jsonl", [_line(2, 700)])
    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 5)
    worker.send(ApplySettings(Settings(timezone="UTC", source_roots={"claude-code": (str(other),)})))
    rec.wait(lambda s: s.ready and s.today.output_tokens == 705)  # the old calls stay counted
    write_lines(other / "projects/q/t.jsonl", [_line(3, 1000)], mode="a")
    rec.wait(lambda s: s.today.output_tokens == 1705)


def test_snooze_is_part_of_the_snapshot(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready)
    until = int(time.time() * 1000) + 60_000
    worker.send(Snooze(until))
    assert rec.wait(lambda s: s.snoozed_until_ms == until).snoozed
    worker.send(Snooze(None))
    rec.wait(lambda s: s.snoozed_until_ms is None)


def test_a_store_that_cannot_open_is_reported_not_fatal(tmp_path: Path) -> None:
    rec = Recorder()

    def factory(_: Settings) -> Workspace:
        raise OSError("the disk is on fire")

    worker = IngestWorker(factory, Settings(timezone="UTC"), rec)
    worker.start()
    try:
        snap = rec.wait(lambda s: bool(s.problems))
        assert snap.problems == ("the disk is on fire",) and rec.errors == ["the disk is on fire"]
        assert worker.alive
    finally:
        worker.stop()


def _threads() -> set[int]:
    return {int(tid) for tid in os.listdir("/proc/self/task")}


def _cpu_ticks(threads: set[int]) -> int:
    total = 0
    for tid in threads:
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to read thread CPU times")
def test_idle_worker_and_watcher_use_no_cpu(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(1, 5)])
    others = _threads()  # threads earlier tests left running are not this worker's
    _worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready)
    threading.Event().wait(0.5)  # what start-up leaves to do after "ready" (a first publish) has time to end
    mine = _threads() - others
    assert mine  # the worker's and the watcher's threads
    before = _cpu_ticks(mine)
    threading.Event().wait(1.5)  # measuring idleness needs wall time to pass; nothing to wait for
    assert _cpu_ticks(mine) - before <= 1  # clock ticks are 10 ms: at most one stray tick


def test_a_command_without_a_handler_is_an_error(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    """A misspelt command used to be dropped silently; now the worker reports it (and keeps running)."""

    @dataclass(frozen=True)
    class Unheard(Command):
        pass

    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready)
    worker.send(Unheard())
    rec.until(lambda: any("no handler" in e and "Unheard" in e for e in rec.errors))
    assert worker.alive
