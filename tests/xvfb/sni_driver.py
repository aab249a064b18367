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
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from tray_driver import settle, shot, wait_until

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from helpers import claude_line
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.launch import identify

ITEM = "/StatusNotifierItem"
WATCHER = ["--dest", "org.kde.StatusNotifierWatcher", "--object-path", "/StatusNotifierWatcher"]
LABEL = re.compile(r"\((\d+), \{([^{}]*)\}")
LABEL_TEXT = re.compile(r"""'label': <(['"])(.*?)\1>""")


def run(*command: str, timeout: float = 15) -> str:
    """An outside program (gdbus, dunstctl, xdotool) run while the Qt loop keeps turning: the app answers it.
    Its output goes to a file: a pipe would fill up (an item's icon pixmaps are ~400 kB of text) and stall it."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as sink:
        proc = subprocess.Popen(list(command), stdout=sink, stderr=subprocess.DEVNULL)
        wait_until(lambda: proc.poll() is not None, timeout)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        sink.seek(0)
        return sink.read() if proc.returncode == 0 else ""


def gdbus(*args: str) -> str:
    return run("gdbus", "call", "--session", *args)


def menu_labels(layout: str) -> list[tuple[int, str]]:
    """(id, label) of every entry in a com.canonical.dbusmenu GetLayout answer, in order (submenus inline)."""
    out = []
    for match in LABEL.finditer(layout):
        label = LABEL_TEXT.search(match.group(2))
        if label:
            out.append((int(match.group(1)), label.group(2)))
    return out


def grow(claude: Path, session: str, n: int, context: int) -> None:
    log = claude / "projects" / "-home-u-src-tokenpulse" / f"{session}.jsonl"
    ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with log.open("a", encoding="utf-8") as fh:
        fh.write(claude_line(msg_id=f"{session}-m{n}", req_id=f"{session}-r{n}", output=700, input=5,
                             cache_write=2_000, cache_read=context - 2_005, ts=ts, session=session,
                             cwd="/home/u/src/tokenpulse") + "\n")


def dunst_count() -> int:
    try:
        return int(run("dunstctl", "count", "displayed").strip() or -1)
    except ValueError:
        return -1


def pick_in_dunst(label: str) -> list[str]:
    """Open dunst's context menu on the newest notification; the picker chooses `label` ("" = none).
    Returns the menu dunst offered (one line per action)."""
    Path(os.environ["TP_DUNST_PICK"]).write_text(label, encoding="utf-8")
    menus = Path(os.environ["TP_DUNST_MENUS"])
    before = menus.read_text(encoding="utf-8") if menus.exists() else ""
    run("dunstctl", "context")
    wait_until(lambda: menus.exists() and menus.read_text(encoding="utf-8") != before, 5)
    return menus.read_text(encoding="utf-8")[len(before):].splitlines() if menus.exists() else []


def notify_calls() -> list[dict[str, object]]:
    """The Notify calls dbus-monitor saw: replaces_id, summary, actions, urgency byte, category."""
    text = Path(os.environ["TP_NOTIFY_LOG"]).read_text(encoding="utf-8", errors="replace")
    calls = []
    for block in text.split("method call")[1:]:
        if "member=Notify" not in block:
            continue
        strings = re.findall(r'^\s+string "(.*)"$', block, re.M)
        replaces = re.search(r"^\s+uint32 (\d+)$", block, re.M)
        urgency = re.search(r'string "urgency"\s+variant\s+byte (\d+)', block)
        category = re.search(r'string "category"\s+variant\s+string "([^"]*)"', block)
        calls.append({"app": strings[0] if strings else None, "replaces_id": int(replaces.group(1)) if replaces else None,
                      "summary": strings[2] if len(strings) > 2 else None, "strings": strings,
                      "urgency": int(urgency.group(1)) if urgency else None,
                      "category": category.group(1) if category else None})
    return calls


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
        # Qt's tray has a bus connection of its own; the watcher lists it by unique name: ours is the one whose
        # process is this one
        listed: list[str] = []
        found: list[str] = []

        def registered() -> bool:
            answer = gdbus(*WATCHER, "--method", "org.freedesktop.DBus.Properties.Get",
                           "org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems")
            listed[:] = re.findall(r"'([^']+)'", answer)
            for item in listed:
                name = item.split("/", 1)[0]
                pid = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus", "--method",
                            "org.freedesktop.DBus.GetConnectionUnixProcessID", name)
                if re.search(rf"\b{os.getpid()}\b", pid):
                    found[:] = [name]
            return bool(found)

        r["registered"] = wait_until(registered, 10)
        r["watcher_items"] = list(listed)
        me = found[0] if found else ""
        r["item_name"] = me
        props = gdbus("--dest", me, "--object-path", ITEM, "--method", "org.freedesktop.DBus.Properties.GetAll",
                      "org.kde.StatusNotifierItem")
        r["item_props"] = {k: v for k, v in re.findall(r"'(\w+)': <([^<>]{0,120})", props)
                           if k in ("Id", "Title", "Status", "Category", "Menu", "ItemIsMenu")}
        menu_path = re.search(r"'Menu': <objectpath '([^']+)'>", props)
        r["menu_path"] = menu_path.group(1) if menu_path else None
        r["icon_sizes"] = sorted({int(w) for w, _h in re.findall(r"\((\d+), (\d+), \[(?:byte )?0x", props)})
        if r["menu_path"]:  # as hosts do before they show it: Qt rebuilds the menu from the latest snapshot then
            gdbus("--dest", me, "--object-path", str(r["menu_path"]), "--method", "com.canonical.dbusmenu.AboutToShow",
                  "--", "0")
            settle(0.3)
        layout = gdbus("--dest", me, "--object-path", str(r["menu_path"]), "--method",
                       "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "@as []") if r["menu_path"] else ""
        entries = menu_labels(layout)
        r["layout_raw"] = layout[:1500]
        r["dbus_menu"] = [label for _id, label in entries]
        settle(1.0)  # the host draws the item's pixmap
        strip = QRect(0, 0, 420, 40)
        shots["host"] = shot(out, "sni-01-host.png", strip)
        # as a host does on a left click: Activate → the summary
        gdbus("--dest", me, "--object-path", ITEM, "--method", "org.kde.StatusNotifierItem.Activate", "200", "20")
        r["activate_opens_summary"] = wait_until(app.popup.isVisible, 5)
        settle(0.4)
        pg = app.popup.frameGeometry()
        shots["summary"] = shot(out, "sni-02-summary.png", QRect(0, 0, max(pg.right() + 10, 420), pg.bottom() + 10))
        app.popup.hide()
        # as GNOME's AppIndicator extension does on either click: the menu, whose first entry is the summary
        show_id = next((i for i, label in entries if label == "Show summary"), None)
        if show_id is not None:
            gdbus("--dest", me, "--object-path", str(r["menu_path"]), "--method", "com.canonical.dbusmenu.Event",
                  str(show_id), "clicked", "<0>", "0")
            r["menu_event_opens_summary"] = wait_until(app.popup.isVisible, 5)
            app.popup.hide()
        # a real click on the icon the host drew (its first item sits at the strip's left)
        icon = _find_icon()
        r["host_icon_at"] = icon
        if icon is not None:
            run("xdotool", "mousemove", str(icon[0]), str(icon[1]))
            run("xdotool", "click", "1")
            r["host_click_opens_summary"] = wait_until(app.popup.isVisible, 5)
            app.popup.hide()
            settle(0.3)
            run("xdotool", "mousemove", str(icon[0]), str(icon[1]))
            run("xdotool", "click", "3")
            settle(1.0)
            shots["host_menu"] = shot(out, "sni-03-host-menu.png", QRect(0, 0, 420, 480))
            run("xdotool", "key", "Escape")
            settle(0.3)
        _reminders(app, claude, data, out, r, shots)
        return finish(r)
    finally:
        app.shutdown()


def exported_menu(r: dict[str, object]) -> list[str]:
    """The labels of the item's menu as a host reads them (AboutToShow, then GetLayout)."""
    me, path = str(r.get("item_name") or ""), str(r.get("menu_path") or "")
    if not me or not path:
        return []
    gdbus("--dest", me, "--object-path", path, "--method", "com.canonical.dbusmenu.AboutToShow", "--", "0")
    settle(0.3)
    layout = gdbus("--dest", me, "--object-path", path, "--method", "com.canonical.dbusmenu.GetLayout", "--", "0",
                   "-1", "@as []")
    return [label for _id, label in menu_labels(layout)]


def _find_icon() -> tuple[int, int] | None:
    """Where the host drew our icon: the span of pixels unlike its background in the strip at the top left
    (the only item it hosts is ours)."""
    img = QGuiApplication.primaryScreen().grabWindow(0).copy(QRect(0, 0, 300, 36)).toImage()
    bg = img.pixel(img.width() - 1, img.height() // 2)
    xs = [x for x in range(img.width()) for y in range(2, img.height() - 2) if img.pixel(x, y) != bg]
    ys = [y for x in range(img.width()) for y in range(2, img.height() - 2) if img.pixel(x, y) != bg]
    if not xs:
        return None
    return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def _reminders(app: TokenpulseApp, claude: Path, data: Path, out: Path, r: dict[str, object],
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
    r["dbus_menu_with_reminder"] = exported_menu(r)  # the reminder's actions are in the tray menu too
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
