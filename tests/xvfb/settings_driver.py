"""Runs the real app on an X display with a tray host and a settings file broken by hand; prints JSON.

Started by test_settings_real.py in its own process (a Qt platform cannot change once chosen). It checks
what a person sees: the balloon saying the app runs on the last good settings, then the Settings window
refusing a relative log folder with the schema's message. Usage:
    settings_driver.py DATA_DIR SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QSystemTrayIcon
from tray_driver import settle, shot, wait_until

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp


def _balloon() -> QRect:
    return next((w.frameGeometry() for w in QApplication.topLevelWidgets()
                 if w.metaObject().className() == "QBalloonTip" and w.isVisible()), QRect())


def main() -> int:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication([sys.argv[0]])
    qapp.setQuitOnLastWindowClosed(False)
    result: dict[str, object] = {"tray_available": wait_until(QSystemTrayIcon.isSystemTrayAvailable, 10)}
    paths = resolve(data)
    good = settings_io.Settings(timezone="Europe/Paris", forgotten_projects=("/home/u/secret",))
    settings_io.save(good, paths.settings_file)
    paths.settings_file.write_text('timezone = "Europe/Paris"\nforgotten_projects = "/home/u/secret"\n')
    env = {"CLAUDE_CONFIG_DIR": str(data / "no-claude"), "CODEX_HOME": str(data / "no-codex")}
    app = TokenpulseApp(paths, env=env, home=data / "home", background=True)
    shots: dict[str, str] = {}
    try:
        app.start()
        result["runs_on_last_good"] = app.settings == good
        tray = app.tray
        if tray is None:
            return _finish(result)
        wait_until(lambda: not tray.icon.geometry().isEmpty(), 10)
        # the problem found before the icon existed is shown once it is there
        result["balloon_shown"] = wait_until(lambda: not _balloon().isEmpty(), 10)
        settle(0.4)
        balloon = _balloon()
        result["balloon_geometry"] = [balloon.x(), balloon.y(), balloon.width(), balloon.height()]
        g = tray.icon.geometry()
        shots["balloon"] = shot(out, "settings-01-balloon.png",
                                QRect(max(0, g.right() - 520), 0, 540, 40).united(balloon.adjusted(-10, -10, 10, 10)))
        app.popup.sig_settings_requested.emit()
        dialog = app._dialog
        assert dialog is not None
        result["dialog_shown"] = wait_until(dialog.isVisible, 5)
        dialog.add_root("codex", "logs/codex")  # relative: the schema refuses it
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
        settle(0.4)
        result["dialog_error"] = dialog.error.text()
        result["dialog_still_open"] = dialog.isVisible()
        fg = dialog.frameGeometry()
        shots["dialog"] = shot(out, "settings-02-dialog-error.png", fg.adjusted(-4, -4, 4, 4))
        result["file_untouched"] = "forgotten_projects = \"/home/u/secret\"" in paths.settings_file.read_text()
        dialog.close()
        result["shots"] = shots
        return _finish(result)
    finally:
        app.shutdown()


def _finish(result: dict[str, object]) -> int:
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
