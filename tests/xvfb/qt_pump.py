"""What the real-screen drivers share: running Qt's event loop until something is true, on a real X server."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication


def pump_until(app: QApplication, done: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Process events until `done()` or `timeout` seconds; whether it came true (checked once more at the end)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if done():
            return True
        time.sleep(0.01)
    return done()
