"""The app's work figures from git, kept current in the background without holding up the recording of calls.

The ingest worker (service/worker.py) calls `after_scan` when a scan ends and `on_deadline` when one of
`deadlines()` passes. A read runs on a thread of its own (`tokenpulse-work`) and only reads: the folders come
from a read-only connection of its own, the previous states from the store the first time (then from memory),
and git does the rest; a first read of many repositories may take seconds there. Its result comes back on the
worker's queue as a `WorkStep`, and the worker writes it in slices, one repository per step: each further step
is queued behind whatever arrived meanwhile, so a new call waits for at most one repository's write. The
folders come last, then one forced snapshot tells the charts to redraw. A write that fails, or finds the scan
lock held by a CLI scan, is tried again a few seconds later; only one read or write is under way at a time.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.clock import Clock
from tokenpulse.insights import work_refresh
from tokenpulse.service.messages import Command
from tokenpulse.service.recording import RECORDING_ERRORS, failure_words
from tokenpulse.store import git_work
from tokenpulse.work.figures import RepoState
from tokenpulse.work.reader import WorkReader, WorkScan
from tokenpulse.workspace import Workspace

log = logging.getLogger(__name__)

EVERY_MS = 5 * 60_000  # commits happen without agent calls: look again this often
AFTER_SCAN_MS = 60_000  # after the watcher's scans (an agent at work): at most this often
RETRY_MS = 5_000  # a write that failed or found the scan lock held


@dataclass(frozen=True, slots=True, eq=False)
class WorkStep(Command):
    """Internal to the worker (never sent by the GUI): a read finished on the work thread (`scan` set), or the
    next slice of its write is due (`scan` None)."""

    generation: int
    scan: WorkScan | None = None
    previous: Mapping[str, RepoState] | None = None
    failed: bool = False  # the read failed (logged): nothing to write


@dataclass(slots=True)
class _Write:
    """A read waiting to be written: the repositories left, then the folders."""

    scan: WorkScan
    repos: list[tuple[RepoState, bool]]
    changed: bool = False  # anything written so far
    folders_left: bool = True


@dataclass(slots=True)
class WorkRefresh:
    """Owned by the worker; every method runs on the worker's thread except the read itself."""

    clock: Clock
    post: Callable[[Command], None]  # onto the worker's queue (any thread)
    changed: Callable[[], None]  # the figures in the store changed: publish (the charts redraw)
    every_ms: int = EVERY_MS
    after_scan_ms: int = AFTER_SCAN_MS
    generation: int = 0  # bumped when the workspace changes: older results are dropped
    states: Mapping[str, RepoState] | None = None  # as last written; None: load from the store
    started_ms: int | None = None  # when the last read started
    reading: bool = False
    write: _Write | None = None
    retry_at_ms: int | None = None
    _problems: tuple[str, ...] = field(default=())

    # --- the worker's hooks ---------------------------------------------------------------------------

    def reset(self) -> None:
        """The workspace is closed or replaced (new settings, a restore): start afresh with the next one."""
        self.generation += 1
        self.states, self.write, self.reading, self.retry_at_ms, self.started_ms = None, None, False, None, None

    def after_scan(self, ws: Workspace | None, *, whole: bool = False) -> None:
        """A scan ended: read now after a whole scan (the first import, a rescan), else if not read lately."""
        now = self.clock.now_ms()
        if whole or self.started_ms is None or now - self.started_ms >= self.after_scan_ms:
            self._start(ws)

    def on_deadline(self, ws: Workspace | None) -> None:
        now = self.clock.now_ms()
        if self.write is not None and self.retry_at_ms is not None and now >= self.retry_at_ms:
            self.retry_at_ms = None
            self._write_slice(ws)
        elif self.started_ms is not None and now >= self.started_ms + self.every_ms:
            self._start(ws)

    def deadlines(self) -> list[int]:
        if self.write is not None:
            return [self.retry_at_ms] if self.retry_at_ms is not None else []
        return [self.started_ms + self.every_ms] if self.started_ms is not None and not self.reading else []

    def step(self, ws: Workspace | None, cmd: WorkStep) -> None:
        """A WorkStep from the queue: take a finished read, or write the next slice."""
        if cmd.generation != self.generation:
            return  # read for a workspace that is gone
        if cmd.failed:
            self.reading = False
            return
        if cmd.scan is not None:
            self.reading = False
            previous = cmd.previous or {}
            self.write = _Write(cmd.scan, git_work.changed_repos(cmd.scan, previous))
            self._tell(cmd.scan)
        if self.retry_at_ms is None:
            self._write_slice(ws)

    # --- reading (on its own thread) ----------------------------------------------------------------------

    def _start(self, ws: Workspace | None) -> None:
        if ws is None or self.reading or self.write is not None:
            return
        self.reading = True
        self.started_ms = self.clock.now_ms()
        reader = ws.work_reader  # built here, on the worker's thread
        job = threading.Thread(target=self._read, name="tokenpulse-work", daemon=True,
                               args=(self.generation, ws.paths.database, reader, self.states))
        job.start()

    def _read(self, generation: int, db: Path, reader: WorkReader, states: Mapping[str, RepoState] | None) -> None:
        """The work thread: what changed in git since `states` (loaded from the store when None)."""
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
            try:
                wanted = work_refresh.folders(conn)
                previous = git_work.load_states(conn, lazy=False) if states is None else states  # kept
            finally:
                conn.close()
            scan = work_refresh.read(reader, wanted, previous)
        except Exception:  # a bug or an unreadable store: logged; the next deadline tries again
            log.exception("reading the work figures failed")
            self.post(WorkStep(generation, failed=True))
            return
        self.post(WorkStep(generation, scan, previous))

    # --- writing (on the worker's thread, one slice per step) ---------------------------------------------

    def _write_slice(self, ws: Workspace | None) -> None:
        job = self.write
        if job is None or ws is None:
            return
        if not ws.lock.acquire(wait=0.5):  # a CLI scan is writing: try again shortly
            self.retry_at_ms = self.clock.now_ms() + RETRY_MS
            return
        try:
            now = self.clock.now_ms()
            if job.repos:
                state, commits_changed = job.repos[0]
                git_work.save_repo(ws.conn, state, job.scan.labels.get(state.key, state.key), now,
                                   commits_changed=commits_changed)
                job.repos.pop(0)
                job.changed = True
            elif job.folders_left:
                job.changed = git_work.save_folders(ws.conn, job.scan, now) > 0 or job.changed
                job.folders_left = False
        except RECORDING_ERRORS as exc:  # the disk is full, the store locked: the same slice again later
            log.warning("work figures not written (%s); retrying in %d s", failure_words(exc), RETRY_MS // 1000)
            self.retry_at_ms = self.clock.now_ms() + RETRY_MS
            return
        finally:
            ws.lock.release()
        if job.repos or job.folders_left:
            self.post(WorkStep(self.generation))  # behind whatever came meanwhile
            return
        self.write = None
        self.states = job.scan.repos
        if job.changed:
            self.changed()

    def _tell(self, scan: WorkScan) -> None:
        """Why some folders have no figures, in the log once per change (not in the tray: a user without git
        or without an address set has nothing to fix there)."""
        problems = tuple(scan.problems)
        if problems != self._problems:
            self._problems = problems
            for problem in problems:
                log.info("no work figures: %s", problem)
