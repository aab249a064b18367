"""The one main-thread QObject between the ingest worker and the widgets: worker callbacks become queued signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from tokenpulse.config.settings import Settings
from tokenpulse.ingest.worker import IngestWorker
from tokenpulse.snapshot import Snapshot


class Bridge(QObject):
    """Lives on the GUI thread. The worker calls the `*_did_*` methods on its own thread; they only emit
    `_sig_posted`, whose queued connection runs `_on_worker_posted` here, which re-emits the public signals.
    So every public signal is emitted on the GUI thread, and the GUI never touches files or the store.
    """

    sig_snapshot_changed = Signal(object)  # Snapshot
    sig_progress_changed = Signal(int, int)  # files done, files in all
    sig_error_raised = Signal(str)
    sig_reminder_due = Signal(object)  # Nudge
    sig_notice_raised = Signal(str)
    _sig_posted = Signal(str, object)  # emitted on the worker thread only

    def __init__(self, initial: Snapshot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest = initial
        self._worker: IngestWorker | None = None
        self._sig_posted.connect(self._on_worker_posted, Qt.ConnectionType.QueuedConnection)

    # --- the worker's listener (called on the worker thread) ----------------------------------------

    def snapshot_did_change(self, snapshot: Snapshot) -> None:
        self._sig_posted.emit("snapshot", snapshot)

    def import_did_progress(self, done: int, total: int) -> None:
        self._sig_posted.emit("progress", (done, total))

    def error_did_occur(self, message: str) -> None:
        self._sig_posted.emit("error", message)

    def reminder_due(self, nudge: object) -> None:
        self._sig_posted.emit("reminder", nudge)

    def notice_did_occur(self, message: str) -> None:
        self._sig_posted.emit("notice", message)

    @Slot(str, object)
    def _on_worker_posted(self, kind: str, payload: object) -> None:
        if kind == "snapshot" and isinstance(payload, Snapshot):
            self.latest = payload
            self.sig_snapshot_changed.emit(payload)
        elif kind == "progress" and isinstance(payload, tuple):
            self.sig_progress_changed.emit(*payload)
        elif kind == "error":
            self.sig_error_raised.emit(str(payload))
        elif kind == "reminder":
            self.sig_reminder_due.emit(payload)
        elif kind == "notice":
            self.sig_notice_raised.emit(str(payload))

    # --- commands from the GUI (they only enqueue) ----------------------------------------------------

    def attach(self, worker: IngestWorker) -> None:
        """Adopt a worker built with this bridge as its listener, and start it."""
        self._worker = worker
        worker.start()

    def pause(self) -> None:
        if self._worker is not None:
            self._worker.pause()

    def resume(self) -> None:
        if self._worker is not None:
            self._worker.resume()

    def snooze(self, until_ms: int | None) -> None:
        if self._worker is not None:
            self._worker.snooze(until_ms)

    def reminder_action(self, key: str, action: str, session_id: int | None = None) -> None:
        if self._worker is not None:
            self._worker.reminder_action(key, action, session_id)

    def restore_backup(self, path: str) -> None:
        if self._worker is not None:
            self._worker.restore_backup(path)

    def apply_settings(self, settings: Settings) -> None:
        if self._worker is not None:
            self._worker.apply_settings(settings)

    def refresh(self) -> None:
        if self._worker is not None:
            self._worker.refresh()

    def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
