"""Source health on a real X server, on trayer and on a StatusNotifier host: Codex went quiet after a format change
while Claude Code counts, and the summary, the tray menu (Qt's, or the one exported over D-Bus) and Settings ›
Sources say so. Screenshots (tests/xvfb/screenshots/sources/, the SNI host's as sni-*.png) for a person to look at.

Skipped when a program is missing, except in CI (TP_REQUIRE_XVFB=1: then it fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desktop_session import host_display
from xserver import needs

from helpers import claude_line, codex_file, codex_tc, codex_turn, usage, write_lines

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots" / "sources"  # its own folder: the tray test empties screenshots/ when it starts
REPO = HERE.parents[1]

pytestmark = [
    pytest.mark.xvfb,
    needs("Xvfb", "xdotool", "xdpyinfo"),
]
x_display = host_display((260, 299))  # trayer, then the SNI host and dunst


def _aged(path: Path, hours: float) -> Path:
    when = time.time() - hours * 3600
    os.utime(path, (when, when))
    return path


def _logs(claude: Path, codex: Path) -> None:
    """Claude Code used today; Codex counted three days ago, then wrote two days of lines in a new shape."""
    now = datetime.now(UTC)

    def ts(hours_ago: float) -> str:
        return (now - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    write_lines(claude / "projects/-home-u-src-app/today.jsonl",
                [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=800 + 50 * i, cache_read=4_000 * i,
                             ts=ts(3 - i * 0.2), cwd="/home/u/src/app") for i in range(1, 8)])
    _aged(write_lines(codex_file(codex), [codex_turn(ts(72)), codex_tc(ts(72), usage(1200, 200, 300),
                                                                       usage(1200, 200, 300))]), 72)
    new_shape = [json.dumps({"timestamp": ts(h), "type": "event_msg",
                             "payload": {"type": "token_usage_v2", "usage": {"in": 900, "out": 120}}})
                 for h in (50, 49)]
    _aged(write_lines(codex_file(codex, name="rollout-2026-03-02T10-00-00-0199aaaa-0000-7000-8000-000000000002"),
                      new_shape), 49)
    _aged(write_lines(codex_file(codex, name="rollout-2026-03-03T10-00-00-0199aaaa-0000-7000-8000-000000000003"),
                      [new_shape[0], "{\"timestamp\": \"torn"]), 1)


def test_a_quiet_agent_is_said_by_the_summary_the_menu_and_settings(x_display: dict[str, str],
                                                                    tmp_path: Path) -> None:
    claude, codex = tmp_path / "claude", tmp_path / "codex"
    _logs(claude, codex)
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = dict(x_display, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests"), str(HERE)]))
    run = subprocess.run([sys.executable, str(HERE / "sources_driver.py"), str(tmp_path / "data"), str(claude),
                          str(codex), str(SHOTS)], env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(lines[-1].removeprefix("RESULT "))
    if x_display["TP_TRAY_HOST"] == "sni":
        assert r["registered"] and r["host_icon_at"] is not None, "the item is not in the SNI host"
    assert r["tray_available"] and r["quiet_seen"] and r["quiet_sources"] == ["Codex"]
    assert r["popup_shown"] and r["popup_quiet_text"] is not None
    assert " ".join(r["popup_quiet_text"].split()).startswith("Codex went quiet: its logs keep changing, but no call")
    assert r["menu_shown"] and any(t.startswith("Codex went quiet: no calls since ") for t in r["menu_items"])
    assert r["dialog_shown"] and r["rows"] == 17
    table = {row[0]: row for row in r["table"]}
    assert table["Codex"][1] == "went quiet" and table["Codex"][4] == "1 in 1 scan"
    assert table["Claude Code"][1:3] == ["counting calls", "1"]
    assert r["chosen"] == "codex" and "torn or malformed JSON line" in r["details"]
    for path in r["shots"].values():
        assert Path(path).stat().st_size > 1000
