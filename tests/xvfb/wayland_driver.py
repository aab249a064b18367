"""Runs the real app under Qt's wayland platform (a headless weston) with an SNI watcher and host; prints JSON.

Started by test_desktop_real.py. Wayland has no XEMBED trays at all: the StatusNotifier item is the only tray
there is. A headless weston cannot be screenshot from a client, so this run checks over D-Bus only. Usage:
    wayland_driver.py DATA_DIR CLAUDE_DIR
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from sni_driver import ITEM, WATCHER, gdbus, menu_labels
from tray_driver import settle, wait_until

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
        found: list[str] = []

        def registered() -> bool:
            answer = gdbus(*WATCHER, "--method", "org.freedesktop.DBus.Properties.Get",
                           "org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems")
            for item in re.findall(r"'([^']+)'", answer):
                name = item.split("/", 1)[0]
                pid = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus", "--method",
                            "org.freedesktop.DBus.GetConnectionUnixProcessID", name)
                if re.search(rf"\b{os.getpid()}\b", pid):
                    found[:] = [name]
            return bool(found)

        r["registered"] = wait_until(registered, 10)
        if found:
            me = found[0]
            gdbus("--dest", me, "--object-path", "/MenuBar", "--method", "com.canonical.dbusmenu.AboutToShow", "--",
                  "0")
            settle(0.3)
            layout = gdbus("--dest", me, "--object-path", "/MenuBar", "--method", "com.canonical.dbusmenu.GetLayout",
                           "--", "0", "-1", "@as []")
            r["dbus_menu"] = [label for _i, label in menu_labels(layout)]
            gdbus("--dest", me, "--object-path", ITEM, "--method", "org.kde.StatusNotifierItem.Activate", "10", "10")
            r["activate_opens_summary"] = wait_until(app.popup.isVisible, 5)
        print("RESULT " + json.dumps(r), flush=True)
        return 0
    finally:
        app.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
