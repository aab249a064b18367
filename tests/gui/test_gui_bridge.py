"""Worker callbacks arrive as bridge signals on the GUI thread, in order; the bridge forwards commands."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QThread

from presenters.factories import make_snapshot
from tokenpulse.config.settings import Settings
from tokenpulse.gui.bridge import Bridge
from tokenpulse.service.messages import (
    ApplySettings,
    ErrorRaised,
    Event,
    ImportProgressed,
    Pause,
    Refresh,
    ReminderAnswer,
    Resume,
    SnapshotChanged,
    Snooze,
    UnknownMessage,
)


def test_worker_thread_results_are_delivered_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge(make_snapshot(ready=False))
    seen: list[tuple[str, bool]] = []
    main = QThread.currentThread()
    bridge.sig_snapshot_changed.connect(lambda s: seen.append(("snapshot", QThread.currentThread() is main)))
    bridge.sig_progress_changed.connect(lambda d, t: seen.append((f"progress {d}/{t}", QThread.currentThread() is main)))
    bridge.sig_error_raised.connect(lambda m: seen.append((f"error {m}", QThread.currentThread() is main)))
    final = make_snapshot(ready=True)

    def worker() -> None:  # what IngestWorker does on its thread
        bridge.post(ImportProgressed(1, 2))
        bridge.post(ErrorRaised("disk full"))
        bridge.post(SnapshotChanged(final))

    with qtbot.waitSignal(bridge.sig_snapshot_changed, timeout=2000) as blocker:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert blocker.args == [final] and bridge.latest is final
    assert seen == [("progress 1/2", True), ("error disk full", True), ("snapshot", True)]


def test_commands_reach_the_worker(fake_worker) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge(make_snapshot())
    bridge.send(Pause())  # no worker yet: nothing to do, and no error
    bridge.attach(fake_worker)
    settings = Settings(timezone="UTC")
    sent = [Pause(), Resume(), Snooze(5), ApplySettings(settings), Refresh(), ReminderAnswer("k", "snooze_1h", 3)]
    for command in sent:
        bridge.send(command)
    bridge.stop()
    bridge.stop()  # twice is fine
    assert fake_worker.calls == [("start", None), *(("send", c) for c in sent), ("stop", None)]


def test_an_event_without_a_handler_is_an_error() -> None:
    @dataclass(frozen=True)
    class Unheard(Event):
        pass

    bridge = Bridge(make_snapshot())
    with pytest.raises(UnknownMessage, match="Unheard"):
        bridge._on_worker_posted(Unheard())
