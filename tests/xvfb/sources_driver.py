"""Runs the real app on an X display with a tray host, Claude Code counting and Codex gone quiet; prints JSON.

Started by test_sources_real.py in its own process (a Qt platform cannot change once chosen). It shows what a
person sees: the summary's went-quiet line, the tray menu's, and Settings › Sources. Usage:
    sources_driver.py DATA_DIR CLAUDE_DIR CODEX_DIR SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from qt_pump import settle, shot, tray_menu_shot, wait_until, xdotool
from sni_item import Item, click_host_icon, on_sni_host, pointer_away

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.launch import identify


def main() -> int:
    data, claude, codex, out = (Path(a) for a in sys.argv[1:5])
    out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication([sys.argv[0]])
    identify(qapp)
    result: dict[str, object] = {"tray_available": wait_until(QSystemTrayIcon.isSystemTrayAvailable, 10)}
    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex)}
    app = TokenpulseApp(resolve(data), env=env, home=data / "home", background=True)
    try:
        app.start()
        tray = app.tray
        if tray is None:
            return _finish(result)
        result["quiet_seen"] = wait_until(lambda: app.bridge.latest.ready and bool(app.bridge.latest.quiet_sources), 20)
        result["quiet_sources"] = [q.label for q in app.bridge.latest.quiet_sources]
        shots = (_on_sni_host if on_sni_host() else _on_xembed_tray)(app, out, result)
        app.popup.sig_settings_requested.emit()
        dialog = app._dialog
        assert dialog is not None
        result["dialog_shown"] = wait_until(dialog.isVisible, 5)
        page = dialog.sources_page
        dialog.tabs.setCurrentWidget(page)
        result["rows"] = wait_until(lambda: page.table.rowCount() > 0, 10) and page.table.rowCount()
        settle(0.5)
        t = page.table
        result["table"] = [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]
        result["chosen"] = page.current_source()
        result["details"] = page.heading.text() + "\n" + page.details.text()
        shots["sources"] = shot(out, ("sni-" if on_sni_host() else "") + "sources-03-settings.png", dialog.frameGeometry().adjusted(-4, -4, 4, 4))
        dialog.close()
        result["shots"] = shots
        return _finish(result)
    finally:
        app.shutdown()


def _on_xembed_tray(app: TokenpulseApp, out: Path, result: dict[str, object]) -> dict[str, str]:
    """trayer: a real left click on the embedded icon opens the summary, a right click Qt's menu."""
    tray = app.tray
    assert tray is not None
    shots: dict[str, str] = {}
    wait_until(lambda: not tray.icon.geometry().isEmpty(), 10)
    settle(0.5)
    g = tray.icon.geometry()
    screen = QGuiApplication.primaryScreen().geometry()
    panel = QRect(max(0, g.right() - 440), 0, min(460, screen.width()), 520)
    cx, cy = g.center().x(), g.center().y()
    xdotool("mousemove", str(cx), str(cy))
    xdotool("click", "1")
    result["popup_shown"] = wait_until(app.popup.isVisible, 5)
    settle(0.4)
    result["popup_quiet_text"] = app.popup.quiet.text() if app.popup.quiet.isVisible() else None
    pg = app.popup.frameGeometry()
    shots["summary"] = shot(out, "sources-01-summary.png", QRect(pg.x() - 10, 0, pg.width() + 20, pg.bottom() + 10))
    xdotool("key", "Escape")
    wait_until(lambda: not app.popup.isVisible(), 3)
    shots["menu"] = tray_menu_shot(tray, result, out, "sources-02-menu.png", panel)
    return shots


def _on_sni_host(app: TokenpulseApp, out: Path, result: dict[str, object]) -> dict[str, str]:
    """The SNI host: a real left click in the host opens the summary (Activate); the exported menu, read over
    D-Bus, says the same, and the host draws it on a right click."""
    item = Item()
    result["registered"] = item.wait_registered()
    settle(1.0)  # the host draws the item's pixmap
    result["host_icon_at"] = click_host_icon(1)
    result["popup_shown"] = wait_until(app.popup.isVisible, 5)
    settle(0.4)
    result["popup_quiet_text"] = app.popup.quiet.text() if app.popup.quiet.isVisible() else None
    pg = app.popup.frameGeometry()
    shots = {"summary": shot(out, "sni-sources-01-summary.png", QRect(0, 0, max(pg.right() + 10, 460),
                                                                          pg.bottom() + 10))}
    app.popup.hide()
    result["menu_items"] = item.menu_texts()
    result["menu_shown"] = click_host_icon(3) is not None
    settle(1.0)
    shots["menu"] = shot(out, "sni-sources-02-menu.png", QRect(0, 0, 460, 600))
    xdotool("key", "Escape")
    pointer_away()
    return shots


def _finish(result: dict[str, object]) -> int:
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
