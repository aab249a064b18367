"""What the real-screen drivers share: running Qt's event loop until something is true, screenshots and xdotool,
on a real X server."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QToolTip


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


def hover_for_tooltip(icon: QRect, result: dict[str, Any]) -> None:
    """Move the pointer onto the docked icon (a small move first: Qt shows a tooltip on motion) and record the
    tooltip it shows."""
    cx, cy = icon.center().x(), icon.center().y()
    xdotool("mousemove", str(cx - 2), str(cy - 2))
    xdotool("mousemove", str(cx), str(cy))
    result["tooltip_shown"] = wait_until(QToolTip.isVisible, 6)
    result["tooltip_text"] = QToolTip.text()
    settle(0.3)


def tray_menu_shot(tray: Any, result: dict[str, Any], out: Path, name: str, panel: QRect) -> str:
    """Right-click the icon under the pointer, record the menu's entries, take its screenshot and close it."""
    xdotool("click", "3")
    result["menu_shown"] = wait_until(tray.menu.isVisible, 5)
    result["menu_items"] = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    settle(0.3)
    path = shot(out, name, panel.united(tray.menu.geometry().adjusted(-10, -10, 10, 10)))
    xdotool("key", "Escape")
    wait_until(lambda: not tray.menu.isVisible(), 3)
    return path
