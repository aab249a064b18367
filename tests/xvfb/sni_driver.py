"""Runs the real app on an X display with a StatusNotifier host and dunst on a private bus; prints JSON.

Started by test_desktop_real.py in its own process (a Qt platform cannot change once chosen). It checks over
D-Bus what a desktop's panel sees (the registered item, its properties, its exported menu), drives the item as
a host does (Activate, a menu event, a real click in gtk-sni-tray-standalone), and answers reminders through
dunst's own context menu. D-Bus calls to the app are made by `gdbus` processes while the Qt loop runs, since
the app must answer them. Usage:
    sni_driver.py DATA_DIR CLAUDE_DIR SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from qt_pump import settle, shot, wait_until
from sni_item import Item, click_host_icon, dunst_count, notify_calls, pick_in_dunst, run

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from helpers import claude_line
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.launch import identify


def grow(claude: Path, session: str, n: int, context: int) -> None:
    log = claude / "projects" / "-home-u-src-tokenpulse" / f"{session}.jsonl"
    ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with log.open("a", encoding="utf-8") as fh:
        fh.write(claude_line(msg_id=f"{session}-m{n}", req_id=f"{session}-r{n}", output=700, input=5,
                             cache_write=2_000, cache_read=context - 2_005, ts=ts, session=session,
                             cwd="/home/u/src/tokenpulse") + "\n")


def actions_logged(data: Path) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(f"file:{resolve(data).database}?mode=ro", uri=True)
    try:
        return [(str(k), a) for k, a in conn.execute("SELECT key, action FROM reminder_log ORDER BY id")]
    finally:
        conn.close()


def main() -> int:
    data, claude, out = (Path(a) for a in sys.argv[1:4])
    out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication([sys.argv[0]])
    identify(qapp)  # as run_app does
    r: dict[str, object] = {"platform": QGuiApplication.platformName()}
    r["tray_available"] = wait_until(QSystemTrayIcon.isSystemTrayAvailable, 10)
    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(data / "no-codex")}
    app = TokenpulseApp(resolve(data), env=env, home=data / "home", background=True, reminder_grace_ms=0)
    shots: dict[str, str] = {}
    r["shots"] = shots
    try:
        app.start()
        tray = app.tray
        r["tray_mode"] = tray is not None
        if tray is None:
            return finish(r)
        r["ready"] = wait_until(lambda: app.bridge.latest.ready and app.bridge.latest.today.calls > 0, 15)
        item = Item()
        r["registered"] = item.wait_registered()
        r["watcher_items"] = item.listed
        r["item_name"] = item.name
        props = item.properties()
        r["item_props"] = {k: v for k, v in re.findall(r"'(\w+)': <([^<>]{0,120})", props)
                           if k in ("Id", "Title", "Status", "Category", "Menu", "ItemIsMenu")}
        r["menu_path"] = item.menu_path() or None
        r["icon_sizes"] = item.icon_sizes()
        r["dbus_menu"] = item.menu_texts()
        settle(1.0)  # the host draws the item's pixmap
        strip = QRect(0, 0, 420, 40)
        shots["host"] = shot(out, "sni-01-host.png", strip)
        # as a host does on a left click: Activate → the summary
        item.activate()
        r["activate_opens_summary"] = wait_until(app.popup.isVisible, 5)
        settle(0.4)
        pg = app.popup.frameGeometry()
        shots["summary"] = shot(out, "sni-02-summary.png", QRect(0, 0, max(pg.right() + 10, 420), pg.bottom() + 10))
        app.popup.hide()
        # as GNOME's AppIndicator extension does on either click: the menu, whose first entry is the summary
        if item.click_menu("Show summary"):
            r["menu_event_opens_summary"] = wait_until(app.popup.isVisible, 5)
            app.popup.hide()
        # a real click on the icon the host drew (its first item sits at the strip's left)
        icon = click_host_icon(1)
        r["host_icon_at"] = icon
        if icon is not None:
            r["host_click_opens_summary"] = wait_until(app.popup.isVisible, 5)
            app.popup.hide()
            settle(0.3)
            click_host_icon(3)
            settle(1.0)
            shots["host_menu"] = shot(out, "sni-03-host-menu.png", QRect(0, 0, 420, 480))
            run("xdotool", "key", "Escape")
            settle(0.3)
        _reminders(app, item, claude, data, out, r, shots)
        return finish(r)
    finally:
        app.shutdown()


def _reminders(app: TokenpulseApp, item: Item, claude: Path, data: Path, out: Path, r: dict[str, object],
               shots: dict[str, str]) -> None:
    """Three chats cross the threshold in turn; each reminder is answered (or not) through dunst itself."""
    corner = QRect(1280 - 460, 0, 460, 380)
    rem = app.reminders
    # chat A, level 1: one notification with the three actions
    grow(claude, "chat-a", 11, 120_000)
    r["a1_notified"] = wait_until(lambda: any(k.endswith(":1") and c == "notification" for k, c in rem.channels), 10)
    r["a1_displayed"] = wait_until(lambda: dunst_count() == 1, 5)
    settle(0.5)
    shots["notification"] = shot(out, "sni-04-notification.png", corner)
    r["a1_menu"] = pick_in_dunst("")  # what dunst lists for it; nothing chosen
    r["dbus_menu_with_reminder"] = item.menu_texts()  # the reminder's actions are in the tray menu too
    # chat A, level 2 (past 2T): replaces level 1 on screen instead of stacking
    grow(claude, "chat-a", 12, 250_000)
    r["a2_notified"] = wait_until(lambda: any(k.endswith(":2") and c == "notification" for k, c in rem.channels), 10)
    settle(0.5)
    r["a2_displayed_count"] = dunst_count()
    shots["replaced"] = shot(out, "sni-05-level-two-replaces.png", corner)
    r["notify_calls"] = notify_calls()
    # closing it is not an answer: the reminder stays in the menu and nothing is logged as chosen
    a2 = rem.latest
    run("dunstctl", "close")
    wait_until(lambda: dunst_count() == 0, 5)
    settle(0.5)
    r["closed_is_not_an_answer"] = rem.latest is a2 and a2 is not None and all(
        action is None for _k, action in actions_logged(data))
    # chat B: "Open in charts", chosen in dunst's menu, opens that chat's curve
    grow(claude, "chat-b", 11, 120_000)
    wait_until(lambda: sum(c == "notification" for _k, c in rem.channels) >= 3, 10)
    wait_until(lambda: dunst_count() == 1, 5)
    b = rem.latest
    pick_in_dunst("Open in charts")
    r["open_in_charts"] = wait_until(lambda: app.charts is not None and app.charts.isVisible(), 10)
    if app.charts is not None and b is not None:
        from tokenpulse.gui.charts.window import VIEWS

        r["charts_on_chats_view"] = app.charts.tabs.currentIndex() == VIEWS.index("chats")
        charts = app.charts
        r["charts_on_that_chat"] = wait_until(lambda: charts.chats.shown_session == b.session_id, 10)
        settle(1.0)
        shots["charts"] = shot(out, "sni-06-open-in-charts.png")
        app.charts.hide()
    # chat C: "Snooze 1 h" snoozes reminders
    wait_until(lambda: dunst_count() == 0, 5)
    grow(claude, "chat-c", 11, 120_000)
    wait_until(lambda: sum(c == "notification" for _k, c in rem.channels) >= 4, 10)
    wait_until(lambda: dunst_count() == 1, 5)
    c_key = rem.latest.key if rem.latest is not None else None
    pick_in_dunst("Snooze 1 h")
    r["snoozed"] = wait_until(lambda: app.bridge.latest.snoozed, 10)
    r["c_action_logged"] = wait_until(lambda: (c_key, "snooze_1h") in actions_logged(data), 5)
    r["actions_logged"] = actions_logged(data)
    r["channels"] = rem.channels
    r["other_apps_ignored"] = _other_app_ignored(app)


def _other_app_ignored(app: TokenpulseApp) -> bool:
    """Another app's notification, its action invoked in dunst, must not reach our reminders."""
    before = len(app.reminders.channels), app.reminders.latest
    chosen: list[str] = []
    app.reminders.sig_action.connect(lambda _n, a: chosen.append(a))
    app.reminders.sig_summary_requested.connect(lambda: chosen.append("summary"))
    other = subprocess.Popen(["notify-send", "-a", "other", "-A", "snooze_1h=Snooze 1 h", "-A", "default=Open",
                              "Other app", "hello"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_until(lambda: dunst_count() >= 1, 5)
        pick_in_dunst("Snooze 1 h")
        answered = wait_until(lambda: other.poll() is not None, 5)  # notify-send got its action: it ends
        settle(0.5)
    finally:
        if other.poll() is None:
            other.kill()
        other.communicate()
    return answered and chosen == [] and (len(app.reminders.channels), app.reminders.latest) == before


def finish(result: dict[str, object]) -> int:
    print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
