"""Runs the real app on an X display with a tray host and a settings file broken by hand; prints JSON.

Started by test_settings_real.py in its own process (a Qt platform cannot change once chosen). It checks
what a person sees: the balloon saying the app runs on the last good settings, then the Settings window
refusing a relative log folder with the schema's message. Usage:
    settings_driver.py DATA_DIR SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QSystemTrayIcon
from qt_pump import settle, shot, wait_until
from sni_item import Item, dunst_count, notify_calls, on_sni_host, run

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
    try:
        app.start()
        result["runs_on_last_good"] = app.settings == good
        tray = app.tray
        if tray is None:
            return _finish(result)
        shots = (_on_sni_host if on_sni_host() else _on_xembed_tray)(app, out, result)
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
        name = ("sni-" if on_sni_host() else "") + "settings-02-dialog-error.png"
        shots["dialog"] = shot(out, name, fg.adjusted(-4, -4, 4, 4))
        result["file_untouched"] = "forgotten_projects = \"/home/u/secret\"" in paths.settings_file.read_text()
        dialog.close()
        result["shots"] = shots
        return _finish(result)
    finally:
        app.shutdown()


def _on_xembed_tray(app: TokenpulseApp, out: Path, result: dict[str, object]) -> dict[str, str]:
    """trayer: Qt's warning balloon by the embedded icon."""
    tray = app.tray
    assert tray is not None
    wait_until(lambda: not tray.icon.geometry().isEmpty(), 10)
    # the problem found before the icon existed is shown once it is there
    result["balloon_shown"] = wait_until(lambda: not _balloon().isEmpty(), 10)
    settle(0.4)
    balloon = _balloon()
    result["balloon_geometry"] = [balloon.x(), balloon.y(), balloon.width(), balloon.height()]
    g = tray.icon.geometry()
    return {"balloon": shot(out, "settings-01-balloon.png",
                            QRect(max(0, g.right() - 520), 0, 540, 40).united(balloon.adjusted(-10, -10, 10, 10)))}


def _on_sni_host(app: TokenpulseApp, out: Path, result: dict[str, object]) -> dict[str, str]:
    """The SNI host: the warning is a notification in dunst, as soon as the item is there."""
    start = time.monotonic()
    result["registered"] = Item().wait_registered()
    result["notified"] = wait_until(lambda: any(c["summary"] == "tokenpulse settings" for c in notify_calls()), 15)
    result["notified_after_s"] = round(time.monotonic() - start, 1)
    result["notification_displayed"] = wait_until(lambda: dunst_count() == 1, 5)
    result["notify_calls"] = notify_calls()
    settle(0.5)
    shots = {"notification": shot(out, "sni-settings-01-notification.png", QRect(0, 0, 1280, 300))}
    run("dunstctl", "close-all")  # out of the dialog's screenshot
    wait_until(lambda: dunst_count() == 0, 5)
    return shots


def _finish(result: dict[str, object]) -> int:
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
