"""Runs the real app on an X display with a tray host and drives it like a person (xdotool); prints JSON.

Started by test_tray_real.py in its own process: the pytest process may already own an offscreen
QApplication, and a Qt platform cannot change once chosen. Usage:
    tray_driver.py DATA_DIR CLAUDE_DIR SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from qt_pump import hover_for_tooltip, settle, shot, tray_menu_shot, wait_until, xdotool
from sni_item import (
    Item,
    click_host_icon,
    click_notification,
    dunst_count,
    host_icon,
    hover_host_icon,
    notify_calls,
    on_sni_host,
    ours,
    pointer_away,
)

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.launch import identify


def main() -> int:
    data, claude, out = (Path(a) for a in sys.argv[1:4])
    out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication([sys.argv[0]])
    identify(qapp)  # as run_app does
    result: dict[str, object] = {"platform": QGuiApplication.platformName()}
    result["tray_available"] = wait_until(QSystemTrayIcon.isSystemTrayAvailable, 10)
    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(data / "no-codex")}
    # no start-up grace: the reminder step below must not wait two minutes
    app = TokenpulseApp(resolve(data), env=env, home=data / "home", background=True, reminder_grace_ms=0)
    try:
        app.start()
        tray = app.tray
        result["tray_mode"] = tray is not None
        if tray is None:
            return _finish(result)
        result["ready"] = wait_until(lambda: app.bridge.latest.ready and app.bridge.latest.today.calls > 0, 15)
        if on_sni_host():
            result["shots"] = _on_sni_host(app, claude, out, result)
            return _finish(result)
        result["embedded"] = wait_until(lambda: not tray.icon.geometry().isEmpty(), 10)
        g = tray.icon.geometry()
        result["icon_geometry"] = [g.x(), g.y(), g.width(), g.height()]
        settle(0.5)  # the tray host repaints the embedded icon
        screen = QGuiApplication.primaryScreen().geometry()
        panel = QRect(max(0, g.right() - 420), 0, min(440, screen.width()), 480)
        shots = {"screen": shot(out, "01-screen.png"), "panel": shot(out, "02-panel.png", panel),
                 "icon": shot(out, "03-icon.png", g.adjusted(-4, -4, 4, 4))}
        hover_for_tooltip(g, result)
        shots["tooltip"] = shot(out, "04-tooltip.png", panel)
        shots["menu"] = tray_menu_shot(tray, result, out, "05-menu.png", panel)
        xdotool("click", "1")
        result["popup_shown"] = wait_until(app.popup.isVisible, 5)
        settle(0.4)
        pg = app.popup.frameGeometry()
        result["popup_geometry"] = [pg.x(), pg.y(), pg.width(), pg.height()]
        result["popup_output_today"] = app.popup.cells[("output", "today")].text()
        shots["popup"] = shot(out, "06-popup.png", QRect(pg.x() - 10, 0, pg.width() + 20, pg.bottom() + 10))
        xdotool("key", "Escape")
        wait_until(lambda: not app.popup.isVisible(), 3)
        _grow_the_live_chat(claude)
        result["reminder_shown"] = wait_until(lambda: bool(app.reminders.shown), 10)
        result["reminder_title"] = app.reminders.shown[0].title if app.reminders.shown else None
        wait_until(lambda: bool(app.reminders.channels), 5)
        result["reminder_channel"] = app.reminders.channels[0][1] if app.reminders.channels else None
        result["balloon_shown"] = wait_until(lambda: any(
            w.metaObject().className() == "QBalloonTip" and w.isVisible() for w in QApplication.topLevelWidgets()), 5)
        settle(0.4)
        balloon = next((w.frameGeometry() for w in QApplication.topLevelWidgets()
                        if w.metaObject().className() == "QBalloonTip" and w.isVisible()), QRect())
        shots["reminder"] = shot(out, "07-reminder.png", panel.united(balloon.adjusted(-10, -10, 10, 10)))
        tray.menu.aboutToShow.emit()
        result["menu_after_reminder"] = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
        if not balloon.isEmpty():  # a click on the balloon opens the chat in the charts
            xdotool("mousemove", str(balloon.center().x()), str(balloon.center().y() + 10))
            xdotool("click", "1")
            result["charts_opened_by_balloon"] = wait_until(
                lambda: app.charts is not None and app.charts.isVisible(), 10)
            if app.charts is not None:
                app.charts.hide()
        xdotool("mousemove", str(g.center().x()), str(g.center().y()))
        xdotool("click", "1")  # the summary now carries the reminder with its buttons
        result["popup_reminder_shown"] = wait_until(
            lambda: app.popup.isVisible() and app.popup.reminder_box.isVisible(), 5)
        result["popup_reminder_buttons"] = [b.text() for b in app.popup.reminder_buttons.values()]
        result["charts_opened_by_icon_click"] = app.charts is not None and app.charts.isVisible()
        settle(0.4)
        pg = app.popup.frameGeometry()
        shots["popup_reminder"] = shot(out, "08-popup-reminder.png",
                                       QRect(pg.x() - 10, 0, pg.width() + 20, pg.bottom() + 10))
        result["shots"] = shots
        return _finish(result)
    finally:
        app.shutdown()


def _on_sni_host(app: TokenpulseApp, claude: Path, out: Path, result: dict[str, object]) -> dict[str, str]:
    """The same person's steps on a StatusNotifier host: what the XEMBED run reads off Qt's own widgets (the
    icon's geometry, QToolTip, the Qt menu, the balloon) is read here where a panel reads it, over D-Bus, and the
    reminder is a notification in dunst."""
    item = Item()
    result["registered"] = item.wait_registered()
    result["icon_sizes"] = item.icon_sizes()
    result["tooltip"] = item.tooltip()
    result["menu_items"] = item.menu_texts()
    settle(1.0)  # the host draws the item's pixmap
    shots = {"host": shot(out, "sni-tray-01-host.png", QRect(0, 0, 420, 40))}
    result["host_tooltip_drawn"] = hover_host_icon()
    settle(0.3)
    shots["tooltip"] = shot(out, "sni-tray-02-tooltip.png", QRect(0, 0, 640, 200))
    icon = click_host_icon(1)  # a real left click in the host: it sends Activate
    result["host_icon_at"] = icon
    result["popup_shown"] = wait_until(app.popup.isVisible, 5)
    settle(0.4)
    pg = app.popup.frameGeometry()
    result["popup_geometry"] = [pg.x(), pg.y(), pg.width(), pg.height()]
    result["popup_output_today"] = app.popup.cells[("output", "today")].text()
    shots["popup"] = shot(out, "sni-tray-03-popup.png", QRect(0, 0, max(pg.right() + 10, 420), pg.bottom() + 10))
    app.popup.hide()
    click_host_icon(3)  # the host draws the exported menu
    settle(1.0)
    shots["menu"] = shot(out, "sni-tray-04-menu.png", QRect(0, 0, 420, 480))
    xdotool("key", "Escape")
    pointer_away()
    _grow_the_live_chat(claude)
    result["reminder_shown"] = wait_until(lambda: bool(app.reminders.shown), 10)
    result["reminder_title"] = app.reminders.shown[0].title if app.reminders.shown else None
    wait_until(lambda: bool(app.reminders.channels), 5)
    result["reminder_channel"] = app.reminders.channels[0][1] if app.reminders.channels else None
    result["notification_displayed"] = wait_until(lambda: dunst_count() == 1, 5)
    result["notify_calls"] = ours(notify_calls())
    settle(0.5)
    shots["reminder"] = shot(out, "sni-tray-05-notification.png", QRect(1280 - 460, 0, 460, 300))
    result["menu_after_reminder"] = item.menu_texts()
    result["notification_clicked"] = click_notification()  # its default action: the chat in the charts
    result["charts_opened_by_notification"] = wait_until(lambda: app.charts is not None and app.charts.isVisible(), 10)
    if app.charts is not None:
        app.charts.hide()
    icon = host_icon()
    if icon is not None:  # Qt places the summary by the pointer on an SNI host: where a click on the icon leaves it
        xdotool("mousemove", str(icon[0]), str(icon[1]))
    item.activate(*(icon or (10, 10)))  # the summary now carries the reminder with its buttons
    result["popup_reminder_shown"] = wait_until(lambda: app.popup.isVisible() and app.popup.reminder_box.isVisible(), 5)
    result["popup_reminder_buttons"] = [b.text() for b in app.popup.reminder_buttons.values()]
    result["charts_opened_by_icon_click"] = app.charts is not None and app.charts.isVisible()
    settle(0.4)
    pg = app.popup.frameGeometry()
    shots["popup_reminder"] = shot(out, "sni-tray-06-popup-reminder.png",
                                   QRect(0, 0, max(pg.right() + 10, 420), pg.bottom() + 10))
    return shots


def _grow_the_live_chat(claude: Path) -> None:
    """One more call of the live chat at 120k context: past T = 100k and 4 × its first context."""
    from datetime import UTC, datetime

    from helpers import claude_line

    log = next(claude.glob("projects/*/live.jsonl"))
    ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with log.open("a", encoding="utf-8") as fh:
        fh.write(claude_line(msg_id="m11", req_id="r11", output=700, input=5, cache_write=2_000,
                             cache_read=118_000, ts=ts, session="live", cwd="/home/u/src/tokenpulse") + "\n")


def _finish(result: dict[str, object]) -> int:
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
