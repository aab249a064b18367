"""Runs the real app on an X display with a tray host, with plan-limit readings of both providers (issue 11), and
takes screenshots of the summary's Plan limits block, the icon, the tooltip, the menu and the charts' Plan limits
view; prints JSON. Started by test_limits_real.py in its own process. Usage:
    limits_driver.py DATA_DIR CLAUDE_DIR CODEX_DIR SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon, QWidget
from qt_pump import hover_for_tooltip, settle, shot, tray_menu_shot, wait_until, xdotool
from sni_item import (
    Item,
    click_host_icon,
    dunst_count,
    hover_host_icon,
    notify_calls,
    on_sni_host,
    ours,
    pointer_away,
    run,
)

import tokenpulse.gui  # noqa: F401 - the CPython 3.11 workaround, before any Qt use
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.instance import SingleInstance

APP = Path(__file__).resolve().parents[2] / "app"
CLAUDE_REMINDER = "Claude Code: 5-hour window at 82 %"  # the status-line reading of test_limits_real.py


def status_line(data: Path, payload: dict[str, object]) -> str:
    """`tokenpulse statusline` as Claude Code runs it, while the app runs (its reading goes to the journal)."""
    env = dict(os.environ, PYTHONPATH=str(APP), TOKENPULSE_HOME=str(data))
    run = subprocess.run([sys.executable, "-m", "tokenpulse", "statusline"], input=json.dumps(payload).encode(),
                         env=env, capture_output=True, timeout=60, check=True)
    return run.stdout.decode().strip()


def main() -> int:
    data, claude, codex, out = (Path(a) for a in sys.argv[1:5])
    payload = json.loads((data.parent / "statusline-input.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication([sys.argv[0]])
    qapp.setQuitOnLastWindowClosed(False)
    result: dict[str, object] = {"platform": QGuiApplication.platformName()}
    result["tray_available"] = wait_until(QSystemTrayIcon.isSystemTrayAvailable, 10)
    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex)}
    instance = SingleInstance(resolve(data))  # as run_app does: the status line sees the app running
    result["instance_lock"] = instance.acquire()
    app = TokenpulseApp(resolve(data), env=env, home=data / "home", background=True, reminder_grace_ms=0)
    try:
        app.start()
        tray = app.tray
        result["tray_mode"] = tray is not None
        if tray is None:
            return _finish(result)
        result["ready"] = wait_until(lambda: app.bridge.latest.ready, 20)
        result["statusline_output"] = status_line(data, payload)
        result["both_sources"] = wait_until(
            lambda: {w.source for w in app.bridge.latest.limits} == {"claude-code", "codex"}, 15)
        result["windows"] = [(w.source, w.name, w.used_percent) for w in app.bridge.latest.limits]
        shots = (_on_sni_host if on_sni_host() else _on_xembed_tray)(app, out, result)
        block = app.popup.limits_block
        result["block_rows"] = [(p.text() if p.isVisible() else "", w.text(), b.used, t.text().replace("\n", " "))
                                for p, w, b, t in block.rows if w.isVisible()]
        pg = app.popup.frameGeometry()
        result["popup_geometry"] = [pg.x(), pg.y(), pg.width(), pg.height()]
        shots["popup"] = shot(out, _name("limits-04-summary.png"),
                              QRect(pg.x() - 10, 0, pg.width() + 20, pg.bottom() + 10))
        app.popup.hide()
        charts = app.open_charts()
        charts.resize(1200, 760)
        charts.move(40, 30)
        view = charts.view("limits")
        charts.set_range("7d")
        charts.show_view("limits")
        result["chart_drawn"] = wait_until(lambda: view.result is not None and charts.current.name == "limits", 15)
        settle(1.0)
        if view.result is not None:
            c = view.result.data
            result["chart"] = {"lines": [ln.label for ln in c.lines], "resets": len(c.resets), "hits": len(c.hits),
                               "hours": len(c.hours_x)}
        shots["charts"] = shot(out, _name("limits-05-charts.png"), charts.frameGeometry().adjusted(-4, -4, 4, 4))
        result["shots"] = shots
        return _finish(result)
    finally:
        app.shutdown()
        instance.release()


def _on_xembed_tray(app: TokenpulseApp, out: Path, result: dict[str, object]) -> dict[str, str]:
    """trayer: the reminder in Qt's balloon, the tooltip, menu and summary read off Qt's own widgets (xdotool)."""
    tray = app.tray
    assert tray is not None
    result["embedded"] = wait_until(lambda: not tray.icon.geometry().isEmpty(), 10)
    # the 80 % reminder of Claude Code's 5-hour window (its status-line reading, above): Qt's balloon by the
    # icon; shot, then put away so the clicks below reach the icon. (A Codex window at 80 % or more at this
    # hour fires its own reminder, earlier: right after the import.)
    wait_until(lambda: any(n.key.startswith("plan_limit:claude-code:") for n in app.reminders.shown), 10)
    result["reminder_titles"] = [n.title for n in app.reminders.shown]
    result["reminder_balloon"] = wait_until(
        lambda: any(CLAUDE_REMINDER in _texts(w) for w in _balloons()), 5)
    settle(0.4)
    result["reminder_keys"] = [n.key for n in app.reminders.shown]
    result["reminder_channels"] = [list(c) for c in app.reminders.channels]  # (key, how it was shown)
    result["balloon_texts"] = [_texts(w) for w in _balloons()]
    for w in _balloons():
        shot(out, "limits-00-reminder.png", w.frameGeometry().adjusted(-10, -10, 10, 10))
        w.hide()
    settle(0.5)
    g = tray.icon.geometry()
    screen = QGuiApplication.primaryScreen().geometry()
    panel = QRect(max(0, g.right() - 420), 0, min(440, screen.width()), 480)
    shots = {"icon": shot(out, "limits-01-icon.png", g.adjusted(-4, -4, 4, 4))}
    hover_for_tooltip(g, result)
    shots["tooltip"] = shot(out, "limits-02-tooltip.png", QRect(max(0, g.right() - 900), 0, 920, 200))
    shots["menu"] = tray_menu_shot(tray, result, out, "limits-03-menu.png", panel)
    xdotool("click", "1")
    result["popup_shown"] = wait_until(app.popup.isVisible, 5)
    settle(0.5)
    return shots


def _on_sni_host(app: TokenpulseApp, out: Path, result: dict[str, object]) -> dict[str, str]:
    """The SNI host: the reminder a notification in dunst, the tooltip and menu read over D-Bus, Activate."""
    item = Item()
    result["registered"] = item.wait_registered()
    wait_until(lambda: any(n.key.startswith("plan_limit:claude-code:") for n in app.reminders.shown), 10)
    result["reminder_titles"] = [n.title for n in app.reminders.shown]
    wait_until(lambda: len(app.reminders.channels) == len(app.reminders.shown), 5)
    result["reminder_keys"] = [n.key for n in app.reminders.shown]
    result["reminder_channels"] = [list(c) for c in app.reminders.channels]
    result["notification_displayed"] = wait_until(lambda: dunst_count() == len(app.reminders.shown), 5)
    result["notify_calls"] = ours(notify_calls())
    settle(0.5)
    shots = {"reminder": shot(out, "sni-limits-00-notification.png", QRect(1280 - 460, 0, 460, 420))}
    run("dunstctl", "close-all")  # out of the way of the screenshots below
    wait_until(lambda: dunst_count() == 0, 5)
    settle(0.5)
    shots["icon"] = shot(out, "sni-limits-01-host.png", QRect(0, 0, 420, 40))
    hover_host_icon()
    settle(0.3)
    shots["tooltip"] = shot(out, "sni-limits-02-tooltip.png", QRect(0, 0, 640, 200))
    result["tooltip_text"] = "\n".join(item.tooltip())
    result["tooltip_shown"] = bool(result["tooltip_text"].strip())
    result["menu_items"] = item.menu_texts()
    result["menu_shown"] = click_host_icon(3) is not None  # the host draws the exported menu
    settle(1.0)
    shots["menu"] = shot(out, "sni-limits-03-menu.png", QRect(0, 0, 460, 560))
    xdotool("key", "Escape")
    pointer_away()
    item.activate()
    result["popup_shown"] = wait_until(app.popup.isVisible, 5)
    settle(0.5)
    return shots


def _name(name: str) -> str:
    return f"sni-{name}" if on_sni_host() else name


def _texts(w: QWidget) -> list[str]:
    return [label.text() for label in w.findChildren(QLabel) if label.text()]


def _balloons() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QBalloonTip" and w.isVisible()]


def _finish(result: dict[str, object]) -> int:
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
