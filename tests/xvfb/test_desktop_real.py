"""The tray and reminders on a real StatusNotifier desktop: Xvfb, a private session bus, Debian's SNI watcher and
host (status-notifier-watcher, gtk-sni-tray-standalone) and dunst. The same app as test_tray_real.py (an XEMBED
tray), run a second time the way KDE, GNOME's AppIndicator extension and Wayland panels host it.

Skipped when a program is missing, except in CI (TP_REQUIRE_XVFB=1: then it fails). Screenshots land in
tests/xvfb/screenshots/ (sni-*.png) for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desktop_session import SNI_TOOLS, sni_desktop
from xserver import needs, until, x_server

from helpers import claude_line, write_lines

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]
EVERY_ACTION = ["Show summary", "Open charts…", "Snooze reminders", "For 30 minutes", "For 1 hour", "Until tomorrow",
                "Pause watching", "Settings…", "Restore a backup", "Start at login", "Open log folder",
                "Quit tokenpulse"]

pytestmark = [pytest.mark.xvfb, needs("Xvfb", "xdotool", "xdpyinfo", "notify-send", *SNI_TOOLS)]


def _chats(claude: Path) -> None:
    """Three chats of today, each 10 calls up to ~84k context (below the 100k threshold), stamped from now."""
    now = datetime.now(UTC)
    for name in ("chat-a", "chat-b", "chat-c"):
        lines = [claude_line(msg_id=f"{name}-m{i}", req_id=f"{name}-r{i}", output=900 + 40 * i, input=5,
                             cache_write=3_000, cache_read=8_000 * i,
                             ts=(now - timedelta(minutes=5 - i * 0.45)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                             session=name, cwd="/home/u/src/tokenpulse") for i in range(1, 11)]
        write_lines(claude / "projects/-home-u-src-tokenpulse" / f"{name}.jsonl", lines)


def test_status_notifier_host_and_real_notifications(tmp_path: Path) -> None:
    claude = tmp_path / "claude"
    _chats(claude)
    SHOTS.mkdir(exist_ok=True)
    for old in SHOTS.glob("sni-[0-9][0-9]-*.png"):  # its own, not the SNI variants of the other tests
        old.unlink()
    with x_server(tmp_path, (140, 179), tray=False) as x_env, sni_desktop(x_env, tmp_path) as env:
        env = dict(env, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests"), str(HERE)]))
        run = subprocess.run([sys.executable, str(HERE / "sni_driver.py"), str(tmp_path / "data"), str(claude),
                              str(SHOTS)], env=env, capture_output=True, text=True, timeout=240, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-4000:]}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb"
    assert r["tray_available"] and r["tray_mode"] and r["ready"], "no SNI tray for Qt although a host is there"
    # the panel's view, over D-Bus
    assert r["registered"], f"the item is not in the watcher's RegisteredStatusNotifierItems: {r}"
    assert r["item_props"].get("Id") == "'tokenpulse'" and r["item_props"].get("Status") == "'Active'", r["item_props"]
    assert r["menu_path"], "the item exports no menu"
    assert {16, 22, 24, 32} <= set(r["icon_sizes"]), f"panel sizes missing from IconPixmap: {r['icon_sizes']}"
    menu = r["dbus_menu"]
    assert menu and menu[0] == "Show summary", (menu, r.get("layout_raw"), r["menu_path"])
    missing = [a for a in EVERY_ACTION if a not in menu]
    assert missing == [], f"not in the exported menu: {missing} (menu: {menu})"
    assert any(m.startswith("Today: $") for m in menu), menu
    # what a host does with it
    assert r["activate_opens_summary"], "Activate (a host's left click) did not open the summary"
    assert r["menu_event_opens_summary"], "the menu's Show summary did not open the summary"
    assert r["host_icon_at"] is not None, "the host drew no icon"
    assert r["host_click_opens_summary"], "a click on the icon in gtk-sni-tray-standalone did not open the summary"
    # reminders through dunst
    assert r["a1_notified"] and r["a1_displayed"], "the first reminder did not reach dunst"
    offered = [line for line in r["a1_menu"] if line.startswith("#")]
    for label in ("Open in charts", "Snooze 1 h", "Not for this chat"):
        assert any(line.startswith(f"#{label} ") for line in offered), f"{label!r} not among dunst's actions: {offered}"
    with_reminder = r["dbus_menu_with_reminder"]
    assert "Reminder: Time for a fresh chat?" in with_reminder, with_reminder
    after = with_reminder[with_reminder.index("Reminder: Time for a fresh chat?") + 1:]
    assert after[:3] == ["Open in charts", "Snooze 1 h", "Not for this chat"], with_reminder
    assert r["a2_notified"] and r["a2_displayed_count"] == 1, "the second level stacked instead of replacing"
    calls = [c for c in r["notify_calls"] if c["app"] == "tokenpulse"]
    assert len(calls) == 2 and calls[0]["replaces_id"] == 0 and calls[1]["replaces_id"] > 0
    assert all(c["urgency"] == 1 and c["category"] == "x-tokenpulse.reminder" for c in calls), calls
    assert r["closed_is_not_an_answer"], "closing the notification was taken as an answer"
    assert r["open_in_charts"] and r["charts_on_chats_view"] and r["charts_on_that_chat"], \
        "Open in charts (from dunst) did not open the chat's curve"
    assert r["snoozed"] and r["c_action_logged"], f"Snooze 1 h (from dunst) did not snooze: {r['actions_logged']}"
    assert [c for _k, c in r["channels"]] == ["notification"] * 4
    assert r["other_apps_ignored"], "another app's notification action reached our reminders"
    for path in r["shots"].values():
        assert Path(path).stat().st_size > 1_000, f"empty screenshot {path}"


@needs("weston", "Xvfb")
def test_wayland_smoke_with_a_status_notifier_host(tmp_path: Path) -> None:
    """Qt's wayland platform on a headless weston: the item registers with the watcher and exports its menu."""
    claude = tmp_path / "claude"
    _chats(claude)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                                                            "DBUS_SESSION_BUS_ADDRESS", "XDG_CURRENT_DESKTOP")}
    base.update({"XDG_RUNTIME_DIR": str(runtime), "WAYLAND_DISPLAY": "tp-wayland", "HOME": str(tmp_path / "home")})
    with open(tmp_path / "weston.log", "wb") as log:
        weston = subprocess.Popen(["weston", "--backend=headless-backend.so", "--socket=tp-wayland", "--idle-time=0",
                                   "--width=1280", "--height=800"], env=base, stdout=log, stderr=log)
    try:
        assert until(lambda: (runtime / "tp-wayland").exists(), 10), (tmp_path / "weston.log").read_text()
        # the host draws on an Xvfb of its own (GTK on a headless weston fails now and then for want of a seat);
        # the app sees only Wayland: no DISPLAY in its environment
        with x_server(tmp_path, (180, 219), tray=False) as x_env, \
                sni_desktop(dict(base, DISPLAY=x_env["DISPLAY"], GDK_BACKEND="x11"), tmp_path,
                            notifications=False) as env:
            env = {k: v for k, v in env.items() if k not in ("DISPLAY", "GDK_BACKEND")}
            env.update(QT_QPA_PLATFORM="wayland",
                       PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests"), str(HERE)]))
            run = subprocess.run([sys.executable, str(HERE / "wayland_driver.py"), str(tmp_path / "data"),
                                  str(claude)], env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        weston.terminate()
        weston.wait(10)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-4000:]}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "wayland"
    assert r["tray_available"] and r["tray_mode"] and r["ready"], r
    assert r["registered"], "the item did not register with the watcher under Wayland"
    assert r["dbus_menu"][0] == "Show summary" and "Quit tokenpulse" in r["dbus_menu"], r["dbus_menu"]
    assert r["activate_opens_summary"], "Activate did not open the summary under Wayland"
