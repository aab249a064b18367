"""A settings file broken by hand, on a real X server with a tray host (trayer, then a StatusNotifier host with
dunst): the balloon, or on the SNI host a notification, says the app runs on the last good settings, and the
Settings window refuses a value the schema does not allow, with its message.

Skipped when a program is missing, except in CI (TP_REQUIRE_XVFB=1: then it fails).
Screenshots land in tests/xvfb/screenshots/ (the SNI host's as sni-settings-*.png) for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from desktop_session import host_display
from xserver import needs

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]

pytestmark = [
    pytest.mark.xvfb,
    needs("Xvfb", "xdotool", "xdpyinfo"),
]
x_display = host_display((140, 169))  # trayer, then the SNI host and dunst


def test_a_broken_settings_file_is_told_by_the_tray_and_the_window_refuses_nonsense(
        x_display: dict[str, str], tmp_path: Path) -> None:
    env = dict(x_display, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests"), str(HERE)]))
    run = subprocess.run([sys.executable, str(HERE / "settings_driver.py"), str(tmp_path / "data"), str(SHOTS)],
                         env=env, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(lines[-1])
    assert r["tray_available"] and r["runs_on_last_good"]
    if x_display["TP_TRAY_HOST"] == "sni":
        # through the app's own notification path (which falls back to a window without a server), as a warning:
        # not Qt's showMessage, which on an SNI item waited 5 s for a tray geometry that never comes
        assert r["registered"] and r["notified"] and r["notification_displayed"], r
        calls = [c for c in r["notify_calls"] if c["summary"] == "tokenpulse settings"]
        assert len(calls) == 1, r["notify_calls"]
        assert (calls[0]["app"], calls[0]["category"], calls[0]["urgency"]) == ("tokenpulse", "x-tokenpulse.notice", 1)
        assert calls[0]["body"].endswith("forgotten_projects: expected a list of folders, got a string. tokenpulse"
                                         " runs on the last good settings until the file is fixed."), calls
    else:
        assert r["balloon_shown"], r
    assert r["dialog_shown"] and r["dialog_still_open"]
    assert r["dialog_error"] == ("source_roots.codex (item 1): expected an absolute folder (or one under ~) without"
                                 " commas, got 'logs/codex'")
    assert r["file_untouched"]
    assert "runs on the last good settings" in run.stderr
    for path in r["shots"].values():
        assert Path(path).stat().st_size > 1000
