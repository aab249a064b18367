"""The one main-thread QObject between the ingest worker and the widgets: worker events become queued signals,
and GUI commands go to the worker as typed messages (service/messages.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from tokenpulse.service.messages import (
    Command,
    ErrorRaised,
    Event,
    ImportProgressed,
    NoticeRaised,
    ReminderDue,
    SnapshotChanged,
    SourcesReported,
    UnknownMessage,
)
from tokenpulse.service.worker import IngestWorker
from tokenpulse.snapshot import Snapshot


class Bridge(QObject):
    """Lives on the GUI thread. The worker calls `post` on its own thread; it only emits `_sig_posted`, whose
    queued connection runs `_on_worker_posted` here, which re-emits the event as its public signal. So every
    public signal is emitted on the GUI thread, and the GUI never touches files or the store.
    """

    sig_snapshot_changed = Signal(object)  # Snapshot
    sig_progress_changed = Signal(int, int)  # files done, files in all
    sig_error_raised = Signal(str)
    sig_reminder_due = Signal(object)  # Nudge
    sig_notice_raised = Signal(str)
    sig_sources_reported = Signal(object, object)  # tuple of SourceReport, now_ms (beyond a 32-bit int)
    _sig_posted = Signal(object)  # an Event, emitted on the worker thread only

    def __init__(self, initial: Snapshot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest = initial
        self._worker: IngestWorker | None = None
        self._handlers: dict[type[Event], Callable[[Any], None]] = {
            SnapshotChanged: self._on_snapshot_changed, ImportProgressed: self._on_import_progressed,
            ErrorRaised: lambda e: self.sig_error_raised.emit(e.message),
            ReminderDue: lambda e: self.sig_reminder_due.emit(e.nudge),
            NoticeRaised: lambda e: self.sig_notice_raised.emit(e.message),
            SourcesReported: lambda e: self.sig_sources_reported.emit(e.reports, e.now_ms),
        }
        self._sig_posted.connect(self._on_worker_posted, Qt.ConnectionType.QueuedConnection)

    # --- the worker's listener (called on the worker thread) ----------------------------------------

    def post(self, event: Event) -> None:
        self._sig_posted.emit(event)

    @Slot(object)
    def _on_worker_posted(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is None:
            raise UnknownMessage(f"the bridge has no handler for {event!r}")
        handler(event)

    def _on_snapshot_changed(self, event: SnapshotChanged) -> None:
        self.latest = event.snapshot
        self.sig_snapshot_changed.emit(event.snapshot)

    def _on_import_progressed(self, event: ImportProgressed) -> None:
        self.sig_progress_changed.emit(event.done, event.total)

    # --- commands from the GUI (they only enqueue) ----------------------------------------------------

    def attach(self, worker: IngestWorker) -> None:
        """Adopt a worker built with this bridge as its listener, and start it."""
        self._worker = worker
        worker.start()

    def send(self, command: Command) -> None:
        """Hand a command to the worker (dropped before a worker is attached or after `stop`)."""
        if self._worker is not None:
            self._worker.send(command)

    def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
