"""The app's one ingest thread: owns the Workspace, backfills, then turns watched changes into Snapshots.

It blocks on its queue when idle (no polling). Wake-ups with a timeout happen only at moments that
change what the tray shows or what a reminder says: the live chat going quiet, local midnight (also the
daily backup), a snooze or the start-up grace ending, a long chat's cache expiring.
It is also the one writer of the reminder log and of the store's backups and restores.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from tokenpulse.clock import Clock, SystemClock
from tokenpulse.config.settings import Settings
from tokenpulse.ingest.summary import ScanSummary
from tokenpulse.ingest.watcher import Watcher, WatchRoot
from tokenpulse.nudges.policy import DEFAULT_GRACE_MS
from tokenpulse.service.changes import Batch, collect
from tokenpulse.service.deadlines import seconds_to_next
from tokenpulse.service.housekeeping import Housekeeping
from tokenpulse.service.import_progress import ImportReporter, Interrupted
from tokenpulse.service.messages import (
    ApplySettings,
    Command,
    ErrorRaised,
    Event,
    ImportProgressed,
    Listener,
    NoticeRaised,
    Pause,
    Refresh,
    ReminderAnswer,
    ReminderDue,
    ReportSources,
    RestoreBackup,
    Resume,
    SnapshotChanged,
    Snooze,
    SourcesReported,
    Stop,
    UnknownMessage,
)
from tokenpulse.service.picture import picture
from tokenpulse.service.recording import RECORDING_ERRORS, Recording, store_identity
from tokenpulse.service.sync_chores import SyncChores
from tokenpulse.service.work_refresh import WorkRefresh, WorkStep
from tokenpulse.snapshot import ImportProgress, Snapshot
from tokenpulse.workspace import Workspace

log = logging.getLogger(__name__)

MAX_PROBLEMS = 10


WorkspaceFactory = Callable[[Settings], Workspace]


def _journal_root(ws: Workspace) -> WatchRoot:
    """Plan limits (issue 11): the status line's journal, folded in by the scan its change triggers."""
    from tokenpulse.store.limits_journal import JOURNAL_NAME, ensure_folder

    return WatchRoot(ensure_folder(ws.paths.data_dir), lambda p: p.name == JOURNAL_NAME)


class IngestWorker:
    """Start with `start()`; every other public method may be called from any thread and only enqueues."""

    def __init__(self, factory: WorkspaceFactory, settings: Settings, listener: Listener, *,
                 clock: Clock | None = None, quiet_s: float = 0.3, max_batch_s: float = 1.0,
                 progress_every_s: float = 0.1, snapshot_every_s: float = 1.0,
                 reminder_grace_ms: int = DEFAULT_GRACE_MS, rescan_every_s: float | None = None) -> None:
        self._factory = factory
        self._settings = settings
        self._listener = listener
        self._clock = clock or SystemClock()
        self._quiet_s, self._max_batch_s = quiet_s, max_batch_s
        self._progress_every_s, self._snapshot_every_s = progress_every_s, snapshot_every_s
        self._chores = Housekeeping(self._clock, reminder_grace_ms, started_ms=self._clock.now_ms())
        self._sync = SyncChores(self._clock)  # publish this device's ledger, read the others' (issue 14)
        self._queue: queue.Queue[object] = queue.Queue()
        self._interrupt = threading.Event()  # stop, pause or new settings: abandon a running backfill
        self._thread = threading.Thread(target=self._run, name="tokenpulse-ingest", daemon=True)
        # state below is touched by the worker thread only
        self._ws: Workspace | None = None
        self._watcher: Watcher | None = None
        self._paused = False
        self._ready = False
        self._stopped = False
        self._progress: ImportProgress | None = None
        self._problems: list[str] = []
        self._rescan_every_s = rescan_every_s  # fixed by a test; None: the settings' rescan_minutes
        self._recording = Recording(self._clock, self._rescan_ms(settings))  # pending work, retries, rescans
        self._store_id: tuple[int, int] | None = None  # the store file this worker opened
        self._work = WorkRefresh(self._clock, self.send, lambda: self._publish(force=True))  # figures from git
        self._last: Snapshot | None = None
        self._handlers: dict[type[Command], Callable[[Any], None]] = {
            Stop: self._on_stop, Pause: self._on_pause, Resume: self._on_resume, Snooze: self._on_snooze,
            ReminderAnswer: self._on_reminder_answer, RestoreBackup: self._on_restore,
            ApplySettings: self._on_settings, Refresh: self._on_refresh, ReportSources: self._on_report_sources,
            WorkStep: lambda cmd: self._work.step(self._ws, cmd),
        }

    # --- any thread -------------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def send(self, command: Command) -> None:
        """Queue a command; one that `interrupts` also stops a running backfill at the next file."""
        if command.interrupts:
            self._interrupt.set()
        self._queue.put(command)

    def stop(self, timeout: float = 10.0) -> None:
        """Send Stop and wait for the thread to end (unless called on it)."""
        self.send(Stop())
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def notify_changed(self, change: object) -> None:
        """The watcher's sink (also handy for tests): a changed path, DirAppeared or ROOTS_CHANGED."""
        self._queue.put(change)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- worker thread ----------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._open()
            self._publish()
            self._guarded(self._watch_and_backfill)
            while not self._stopped:
                try:
                    item = self._queue.get(timeout=self._next_timeout())
                except queue.Empty:  # a deadline passed: the live chat went quiet, midnight, a snooze ended
                    self._guarded(self._on_deadline)
                    continue
                self._guarded(partial(self._handle, item))
        except Exception as exc:  # the thread must report, not die silently
            log.exception("ingest worker crashed")
            self._emit_error(f"the ingest worker stopped: {exc}", logged=True)
        finally:
            self._close()

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as exc:  # one bad batch must not end watching
            log.exception("ingest step failed")
            self._emit_error(f"unexpected error while reading logs: {exc}", logged=True)

    def _open(self) -> None:
        try:
            self._ws = self._factory(self._settings)
        except Exception as exc:
            self._ws = None
            self._problem(str(exc))
            self._emit_error(str(exc))
            return
        self._store_id = store_identity(self._ws.paths.database)
        self._chores.load_policy(self._ws)
        self._chores.list_backups(self._ws)
        self._sync.open(self._ws)
        notice = self._chores.notice(self._ws)
        if notice:
            self._post(NoticeRaised(notice))
        if self._watcher is not None:
            self._watcher.stop()
        # created stopped: it starts with the backfill, unless watching is paused
        self._watcher = Watcher([WatchRoot(r.path, r.source.owns) for r in self._ws.scanner.roots]
                                + [_journal_root(self._ws)], self.notify_changed)

    def _close(self) -> None:
        self._work.reset()
        if self._watcher is not None:
            self._watcher.stop()
        self._chores.drop_status(self._ws)
        self._sync.close()
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def _watch_and_backfill(self) -> None:
        if self._paused or self._ws is None or self._watcher is None:
            return
        self._watcher.start()  # before the scan, so nothing written during it is missed
        self._backfill()

    def _backfill(self, announce: bool = True) -> None:
        """A whole (incremental) scan: the first import, a retry of one, or the periodic rescan, which is not
        announced as an import (`announce=False`)."""
        ws = self._ws
        if ws is None:
            return
        progress = ImportReporter(self._interrupt, self._progress_every_s, self._snapshot_every_s,
                                  self._show_import if announce else None, self._publish)
        try:
            summary = None
            while summary is None:  # None: another tokenpulse holds the scan lock; wait in short steps
                if self._interrupt.is_set():
                    raise Interrupted
                summary = ws.scan(progress, wait=0.5)
            self._recording.recorded()
            self._recording.backfill_due = False
            self._recording.rescan_done()
            self._ready = True
            self._absorb(summary)
            self._daily_backup()
            self._sync.run_due(self._ready)
            self._work.after_scan(ws, whole=True)
        except Interrupted:
            pass
        except RECORDING_ERRORS as exc:  # what was read before it is committed; the rest is read at the retry
            self._emit_error(self._recording.failed(exc, whole_scan=True), logged=True)
        finally:
            self._progress = None
            self._publish()

    def _show_import(self, done: int, total: int) -> None:
        self._progress = ImportProgress(done, total)
        self._post(ImportProgressed(done, total))

    def _handle(self, item: object) -> None:
        if isinstance(item, Command):
            self._command(item)
            return
        batch = Batch()
        batch.add(item)
        command = collect(self._queue, batch, self._quiet_s, self._max_batch_s)
        self._process(batch)
        if command is not None:
            self._command(command)

    def _process(self, batch: Batch) -> None:
        if self._paused or self._ws is None or self._watcher is None:
            return  # resuming rescans everything, so changes seen while paused are not lost
        if self._reopen_if_replaced():
            return
        if batch.roots_changed:
            self._watcher.refresh()
            self._backfill()
            return
        files = set(batch.files) | self._recording.take_pending()
        for folder in batch.dirs:
            files.update(self._files_under(folder))
        self._scan_paths(files)
        self._sync.run_due(self._ready)
        self._publish()

    def _files_under(self, folder: Path) -> Iterable[Path]:
        assert self._ws is not None
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(dirpath, name)
                if self._ws.scanner.owner(path) is not None:
                    yield path

    def _scan_paths(self, files: set[Path]) -> None:
        ws = self._ws
        if not files or ws is None:
            return
        if not ws.lock.acquire(wait=2.0):  # the CLI is scanning: retry shortly
            self._recording.busy(files)
            return
        try:
            summary = ws.scan_paths(sorted(files))  # with the chats' waste figures and rollups refreshed
        except RECORDING_ERRORS as exc:  # nothing of the open group was kept: the files stay pending
            self._emit_error(self._recording.failed(exc, files), logged=True)
            return
        finally:
            ws.lock.release()
        self._recording.recorded()
        self._absorb(summary)
        self._work.after_scan(ws)

    def _command(self, cmd: Command) -> None:
        handler = self._handlers.get(type(cmd))
        if handler is None:
            raise UnknownMessage(f"the worker has no handler for {cmd!r}")
        handler(cmd)

    def _on_stop(self, _cmd: Stop) -> None:
        self._stopped = True

    def _on_pause(self, _cmd: Pause) -> None:
        self._interrupt.clear()
        self._paused = True
        if self._watcher is not None:
            self._watcher.stop()
        self._chores.drop_status(self._ws)
        self._publish()

    def _on_resume(self, _cmd: Resume) -> None:
        if self._paused:
            self._paused = False
            self._watch_and_backfill()

    def _on_snooze(self, cmd: Snooze) -> None:
        self._chores.snooze(self._ws, cmd.until_ms)
        self._publish()  # and "resume now" may let a held reminder through

    def _on_reminder_answer(self, cmd: ReminderAnswer) -> None:
        if self._ws is not None:
            self._chores.reminder_action(self._ws, cmd.key, cmd.action, cmd.session_id)
            self._publish()  # a snooze shows in the menu

    def _on_restore(self, cmd: RestoreBackup) -> None:
        self._interrupt.clear()
        self._restore(cmd.path)

    def _on_settings(self, cmd: ApplySettings) -> None:
        self._interrupt.clear()
        self._settings = cmd.settings
        self._problems = []
        self._recording.rescan_every_ms = self._rescan_ms(cmd.settings)  # changed in Settings: no restart
        self._recording.rescan_done()
        self._reopen()

    def _rescan_ms(self, settings: Settings) -> int:
        every_s = settings.rescan_minutes * 60 if self._rescan_every_s is None else self._rescan_every_s
        return int(every_s * 1000)

    def _on_refresh(self, _cmd: Refresh) -> None:
        """"Look again now": the picture (and with it the reminders)."""
        self._publish(force=True)

    def _on_report_sources(self, _cmd: ReportSources) -> None:
        now = self._clock.now_ms()
        reports = self._ws.source_reports(now) if self._ws is not None else []
        self._post(SourcesReported(tuple(reports), now))

    def _on_deadline(self) -> None:
        now = self._clock.now_ms()
        if self._ws is not None and not self._paused and not self._reopen_if_replaced():
            rec = self._recording
            if rec.rescan_due(now) or (rec.retry_due(now) and rec.backfill_due):
                self._backfill(announce=not self._ready)  # the periodic rescan, or the retry of a failed one
            elif rec.retry_due(now):
                self._scan_paths(rec.take_pending())
            self._work.on_deadline(self._ws)
        if self._ready:
            self._daily_backup()  # a no-op unless the UTC day has turned since the last one
        self._sync.run_due(self._ready)
        self._publish()

    def _next_timeout(self) -> float | None:
        snap = self._last
        if snap is None:
            return None
        now = self._clock.now_ms()
        sync_due = self._sync.deadline()
        return seconds_to_next(snap, now, [
            *([self._chores.wake_ms] if self._chores.wake_ms is not None else []), *self._recording.deadlines(),
            *([sync_due] if sync_due is not None else []), *([] if self._paused else self._work.deadlines())])

    def _absorb(self, summary: ScanSummary) -> None:
        self._sync.note_scan(summary.calls_new)
        for message in summary.problems:
            self._problem(message)

    def _problem(self, message: str) -> None:
        if message not in self._problems:
            self._problems = ([*self._problems, message])[-MAX_PROBLEMS:]

    def _snapshot(self) -> Snapshot:
        now = self._clock.now_ms()
        watch_problems = self._watcher.problems if self._watcher is not None else []
        failing = self._recording.problem_line(now)
        return picture(self._ws, self._settings, now, self._sync.everywhere).with_state(
            importing=self._progress, ready=self._ready, paused=self._paused,
            snoozed_until_ms=self._chores.policy.snoozed_until_ms, backups=self._chores.backups,
            problems=tuple(dict.fromkeys(([failing] if failing else []) + self._problems + watch_problems
                                         + list(self._sync.problems))))

    def _publish(self, force: bool = False) -> None:
        snap = self._snapshot()
        last = self._last
        self._last = snap
        if force or last is None or snap.with_state(now_ms=0) != last.with_state(now_ms=0):
            self._post(SnapshotChanged(snap))
        self._check_reminders()  # after the snapshot: a reminder never arrives before the numbers it cites

    # --- reminders, backups and notices (the store chores in housekeeping.py) --------------------------

    def _check_reminders(self) -> None:
        """Hand out each reminder that is due, once. Only after the first import: history read in the backfill
        must never fire a reminder."""
        if self._ws is None or not self._ready or self._paused or self._progress is not None:
            self._chores.wake_ms = None  # (an import in progress checks once, when it ends)
            return
        for nudge in self._chores.check(self._ws, self._settings):
            self._post(ReminderDue(nudge))

    def _daily_backup(self) -> None:
        if self._ws is not None:
            problem = self._chores.daily_backup(self._ws)
            if problem:
                self._problem(problem)
                self._emit_error(problem)

    def _restore(self, path: str) -> None:
        from tokenpulse.store.db import StoreError

        if self._ws is None:
            return
        try:
            message = self._chores.restore(self._ws, path)
        except StoreError as exc:
            self._emit_error(str(exc))
            return
        self._post(NoticeRaised(message))
        self._reopen()  # every cached view of the store (prices, cursors, policy) is re-read from the restored one

    def _reopen_if_replaced(self) -> bool:
        """The store file was replaced or removed under the app (restored by hand, moved): reopen it and read
        the logs into it from its own cursors, instead of writing on into the orphaned file."""
        if self._ws is None or store_identity(self._ws.paths.database) == self._store_id:
            return False
        log.warning("the store %s was replaced while the app ran; reopening it", self._ws.paths.database)
        self._reopen()
        return True

    def _reopen(self) -> None:
        """Close the store and everything read from it, open it again (new settings, a restored or replaced
        store), show that, and read the logs into it from its own cursors."""
        self._close()
        self._ready = False
        self._open()
        self._publish()
        self._guarded(self._watch_and_backfill)

    def _emit_error(self, message: str, *, logged: bool = False) -> None:
        """Tell the app (which shows it, and does not log it again); logged here unless the caller has done so
        in its own words: one log line per failure (issue 18 §2)."""
        if not logged:
            log.warning("%s", message)
        self._post(ErrorRaised(message))

    def _post(self, event: Event) -> None:
        try:
            self._listener.post(event)
        except Exception:  # a listener's bug must not stop ingestion
            log.exception("ingest listener failed")
