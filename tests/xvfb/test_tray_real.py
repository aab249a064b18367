"""The tray on a real X server: Xvfb + trayer (an XEMBED tray host), driven with xdotool, with screenshots.

Skipped when the Xvfb or trayer programs are missing, except in CI (TP_REQUIRE_XVFB=1: then it fails).
Screenshots land in tests/xvfb/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from xserver import needs, x_server

from helpers import claude_line, write_lines

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]

pytestmark = [
    pytest.mark.xvfb,
    needs("Xvfb", "trayer", "xdotool", "xdpyinfo"),
]


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Xvfb and trayer for this test only; both stopped by pid afterwards."""
    with x_server(tmp_path, (97, 139), tray=True) as env:
        yield env


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
    for old in SHOTS.glob("[0-9][0-9]-*.png"):  # its own (01-screen … 08-…), not the other tests' shots
        old.unlink()
    env = dict(x_display, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests")]))
    run = subprocess.run([sys.executable, str(HERE / "tray_driver.py"), str(tmp_path / "data"), str(claude),
                          str(SHOTS)], env=env, capture_output=True, text=True, timeout=120, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb"
    assert r["tray_available"], "QSystemTrayIcon.isSystemTrayAvailable() is False under trayer"
    assert r["tray_mode"] and r["ready"]
    assert r["embedded"], f"the icon was not embedded: geometry {r['icon_geometry']}"
    _x, y, w, h = r["icon_geometry"]
    assert w > 0 and h > 0 and y < 40  # in trayer's 32-px panel at the top
    assert r["tooltip_shown"] and r["tooltip_text"].startswith("tokenpulse — today $")
    assert "Live chat: tokenpulse (Claude Code, 10 calls)" in r["tooltip_text"]
    assert r["menu_shown"] and r["menu_items"][0] == "Show summary" and r["menu_items"][1].startswith("Today: $")
    assert "Open log folder" in r["menu_items"]
    assert "Quit tokenpulse" in r["menu_items"] and "Pause watching" in r["menu_items"]
    assert r["popup_shown"], "a left click on the icon did not open the popup"
    px, py, pw, _h = r["popup_geometry"]
    assert py >= y + h - 1 and px + pw <= 1280 and pw > 300  # under the icon, on screen
    assert r["popup_output_today"] == "11.2k"
    # a reminder on a plain XEMBED tray: Qt's own balloon by the icon, and its actions in the menu
    assert r["reminder_shown"] and r["reminder_title"] == "Time for a fresh chat?"
    assert r["balloon_shown"], "no QBalloonTip on screen after the reminder"
    assert r["reminder_channel"] == "balloon"  # no session bus here: no notification server to ask
    assert "Reminder: Time for a fresh chat?" in r["menu_after_reminder"]
    assert r["popup_reminder_shown"], "the summary did not show the reminder"
    assert r["charts_opened_by_balloon"], "a click on the reminder's balloon did not open the charts"
    assert not r["charts_opened_by_icon_click"], "a click on the tray icon opened the charts"
    assert r["popup_reminder_buttons"] == ["Open in charts", "Snooze 1 h", "Not for this chat"]
    for name, path in r["shots"].items():
        # a blank crop compresses to ~100 bytes; the icon alone (a ring, no digits at panel size) to ~900
        assert Path(path).stat().st_size > (400 if name == "icon" else 1_000), f"empty screenshot {path}"
