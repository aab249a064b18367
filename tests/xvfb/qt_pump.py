"""What the real-screen drivers share: running Qt's event loop until something is true, screenshots and xdotool,
on a real X server."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication


def wait_until(pred: Callable[[], bool], timeout: float) -> bool:
    """Run the Qt loop until `pred` holds: a driver of a real screen has nothing better to wait on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def pump_until(app: QApplication, done: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Process events until `done()` or `timeout` seconds; whether it came true (checked once more at the end)."""
    return wait_until(done, timeout)


def settle(seconds: float) -> None:
    """Let the screen catch up (a host repaints, a window maps) before a screenshot: nothing to poll for."""
    wait_until(lambda: False, seconds)


def shot(out: Path, name: str, crop: QRect | None = None) -> str:
    pm = QGuiApplication.primaryScreen().grabWindow(0)
    if crop is not None:
        pm = pm.copy(crop)
    path = out / name
    pm.save(str(path))
    return str(path)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=10)
