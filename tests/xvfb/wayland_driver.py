"""Runs the real app under Qt's wayland platform (a headless weston) with an SNI watcher and host; prints JSON.

Started by test_desktop_real.py. Wayland has no XEMBED trays at all: the StatusNotifier item is the only tray
there is. A headless weston cannot be screenshot from a client, so this run checks over D-Bus only. Usage:
    wayland_driver.py DATA_DIR CLAUDE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from qt_pump import wait_until
from sni_item import Item

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.launch import identify


def main() -> int:
    data, claude = (Path(a) for a in sys.argv[1:3])
    qapp = QApplication([sys.argv[0]])
    identify(qapp)
    r: dict[str, object] = {"platform": QGuiApplication.platformName()}
    r["tray_available"] = wait_until(QSystemTrayIcon.isSystemTrayAvailable, 10)
    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(data / "no-codex")}
    app = TokenpulseApp(resolve(data), env=env, home=data / "home", background=True, reminder_grace_ms=0)
    try:
        app.start()
        r["tray_mode"] = app.tray is not None
        r["ready"] = wait_until(lambda: app.bridge.latest.ready, 15)
        item = Item()
        r["registered"] = item.wait_registered()
        if item.name:
            r["dbus_menu"] = item.menu_texts()
            item.activate(10, 10)
            r["activate_opens_summary"] = wait_until(app.popup.isVisible, 5)
        print("RESULT " + json.dumps(r), flush=True)
        return 0
    finally:
        app.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
