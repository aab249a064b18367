"""Worker callbacks arrive as bridge signals on the GUI thread, in order; the bridge forwards commands."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from presenters.factories import make_snapshot
from tokenpulse.config.settings import Settings
from tokenpulse.gui.bridge import Bridge


def test_worker_thread_results_are_delivered_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge(make_snapshot(ready=False))
    seen: list[tuple[str, bool]] = []
    main = QThread.currentThread()
    bridge.sig_snapshot_changed.connect(lambda s: seen.append(("snapshot", QThread.currentThread() is main)))
    bridge.sig_progress_changed.connect(lambda d, t: seen.append((f"progress {d}/{t}", QThread.currentThread() is main)))
    bridge.sig_error_raised.connect(lambda m: seen.append((f"error {m}", QThread.currentThread() is main)))
    final = make_snapshot(ready=True)

    def worker() -> None:  # what IngestWorker does on its thread
        bridge.import_did_progress(1, 2)
        bridge.error_did_occur("disk full")
        bridge.snapshot_did_change(final)

    with qtbot.waitSignal(bridge.sig_snapshot_changed, timeout=2000) as blocker:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert blocker.args == [final] and bridge.latest is final
    assert seen == [("progress 1/2", True), ("error disk full", True), ("snapshot", True)]


def test_commands_reach_the_worker(fake_worker) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge(make_snapshot())
    bridge.pause()  # no worker yet: nothing to do, and no error
    bridge.attach(fake_worker)
    settings = Settings(timezone="UTC")
    bridge.pause()
    bridge.resume()
    bridge.snooze(5)
    bridge.apply_settings(settings)
    bridge.refresh()
    bridge.stop()
    bridge.stop()  # twice is fine
    assert fake_worker.calls == [("start", None), ("pause", None), ("resume", None), ("snooze", 5),
                                 ("apply_settings", settings), ("refresh", None), ("stop", None)]
