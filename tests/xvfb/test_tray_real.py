"""The tray on a real X server, twice: on trayer (an XEMBED tray host), driven with xdotool, and on a StatusNotifier
host with dunst (desktop_session.py), checked over D-Bus where a panel reads it; with screenshots.

Skipped when a program is missing, except in CI (TP_REQUIRE_XVFB=1: then it fails). Screenshots land in
tests/xvfb/screenshots/ (the SNI host's as sni-tray-*.png) for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from desktop_session import host_display
from xserver import needs

from helpers import claude_line, write_lines

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]

pytestmark = [
    pytest.mark.xvfb,
    needs("Xvfb", "xdotool", "xdpyinfo"),
]
x_display = host_display((97, 139))  # Xvfb with trayer, then with the SNI host and dunst; stopped by pid afterwards


def _logs(claude: Path) -> None:
    """Today's work and a live chat at ~84k context, stamped relative to now."""
    now = datetime.now(UTC)

    def ts(minutes_ago: float) -> str:
        return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    lines = [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=900 + 40 * i, input=5, cache_write=3_000,
                         cache_read=8_000 * i, ts=ts(5 - i * 0.45), session="live", cwd="/home/u/src/tokenpulse")
             for i in range(1, 11)]
    write_lines(claude / "projects/-home-u-src-tokenpulse/live.jsonl", lines)


def test_tray_icon_menu_tooltip_and_popup_on_a_real_screen(x_display: dict[str, str], tmp_path: Path) -> None:
    claude = tmp_path / "claude"
    _logs(claude)
    SHOTS.mkdir(exist_ok=True)
    sni = x_display["TP_TRAY_HOST"] == "sni"
    for old in SHOTS.glob("sni-tray-*.png" if sni else "[0-9][0-9]-*.png"):  # its own, not the other tests' shots
        old.unlink()
    env = dict(x_display, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests")]))
    run = subprocess.run([sys.executable, str(HERE / "tray_driver.py"), str(tmp_path / "data"), str(claude),
                          str(SHOTS)], env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb"
    assert r["tray_available"], "QSystemTrayIcon.isSystemTrayAvailable() is False with a tray host"
    assert r["tray_mode"] and r["ready"]
    (_check_sni if sni else _check_xembed)(r)
    assert r["menu_items"][0] == "Show summary" and r["menu_items"][1].startswith("Today: $"), r["menu_items"]
    assert "Open log folder" in r["menu_items"]
    assert "Quit tokenpulse" in r["menu_items"] and "Pause watching" in r["menu_items"]
    assert r["popup_shown"], "a left click on the icon did not open the popup"
    assert r["popup_output_today"] == "11.2k"
    assert r["reminder_shown"] and r["reminder_title"] == "Time for a fresh chat?"
    assert "Reminder: Time for a fresh chat?" in r["menu_after_reminder"], r["menu_after_reminder"]
    assert r["popup_reminder_shown"], "the summary did not show the reminder"
    assert not r["charts_opened_by_icon_click"], "a click on the tray icon opened the charts"
    assert r["popup_reminder_buttons"] == ["Open in charts", "Snooze 1 h", "Not for this chat"]
    for name, path in r["shots"].items():
        # a blank crop compresses to ~100 bytes; the icon alone (a ring, no digits at panel size) to ~900
        assert Path(path).stat().st_size > (400 if name == "icon" else 1_000), f"empty screenshot {path}"


def _check_xembed(r: dict[str, Any]) -> None:
    """trayer: the icon embedded, Qt's tooltip and balloon on screen, read off Qt's own widgets."""
    assert r["embedded"], f"the icon was not embedded: geometry {r['icon_geometry']}"
    _x, y, w, h = r["icon_geometry"]
    assert w > 0 and h > 0 and y < 40  # in trayer's 32-px panel at the top
    assert r["tooltip_shown"] and r["tooltip_text"].startswith("tokenpulse — today $")
    assert "Live chat: tokenpulse (Claude Code, 10 calls)" in r["tooltip_text"]
    px, py, pw, _h = r["popup_geometry"]
    assert py >= y + h - 1 and px + pw <= 1280 and pw > 300  # under the icon, on screen
    # a reminder on a plain XEMBED tray: Qt's own balloon by the icon, and its actions in the menu
    assert r["balloon_shown"], "no QBalloonTip on screen after the reminder"
    assert r["reminder_channel"] == "balloon"  # no session bus here: no notification server to ask
    assert r["charts_opened_by_balloon"], "a click on the reminder's balloon did not open the charts"


def _check_sni(r: dict[str, Any]) -> None:
    """The SNI host: the item registered, its ToolTip and IconPixmap, the host's icon; the reminder in dunst."""
    assert r["registered"], "the item is not in the watcher's RegisteredStatusNotifierItems"
    assert {16, 22, 24, 32} <= set(r["icon_sizes"]), f"panel sizes missing from IconPixmap: {r['icon_sizes']}"
    title, body = r["tooltip"]
    tip = f"{title}\n{body}"
    assert "tokenpulse — today $" in tip and "Live chat: tokenpulse (Claude Code, 10 calls)" in tip, r["tooltip"]
    assert r["host_icon_at"] is not None, "the host drew no icon"
    assert r["host_tooltip_drawn"], "the host showed no tooltip on hover"
    ix, iy = r["host_icon_at"]
    px, py, pw, _h = r["popup_geometry"]
    assert iy < 40 and py >= iy and px <= ix + 10 and px + pw <= 1280 and pw > 300  # under the clicked icon
    assert r["reminder_channel"] == "notification" and r["notification_displayed"], "the reminder is not in dunst"
    calls = r["notify_calls"]
    assert len(calls) == 1 and calls[0]["summary"] == "Time for a fresh chat?", calls
    assert calls[0]["actions"][-3:] == ["Open in charts", "Snooze 1 h", "Not for this chat"], calls
    assert "tokenpulse" in calls[0]["body"], calls  # the chat it is about
    assert r["notification_clicked"] and r["charts_opened_by_notification"], \
        "a click on the reminder in dunst did not open the charts"
