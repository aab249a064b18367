"""A settings file broken by hand, on a real X server with a tray host: the balloon says the app runs on the
last good settings, and the Settings window refuses a value the schema does not allow, with its message.

Skipped when the Xvfb or trayer programs are missing, except in CI (TP_REQUIRE_XVFB=1: then it fails).
Screenshots land in tests/xvfb/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from xserver import needs, x_server

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]

pytestmark = [
    pytest.mark.xvfb,
    needs("Xvfb", "trayer", "xdotool", "xdpyinfo"),
]


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[dict[str, str]]:
    with x_server(tmp_path, (140, 169), tray=True) as env:
        yield env


def test_a_broken_settings_file_is_told_by_the_tray_and_the_window_refuses_nonsense(
        x_display: dict[str, str], tmp_path: Path) -> None:
    env = dict(x_display, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests"), str(HERE)]))
    run = subprocess.run([sys.executable, str(HERE / "settings_driver.py"), str(tmp_path / "data"), str(SHOTS)],
                         env=env, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(lines[-1])
    assert r["tray_available"] and r["runs_on_last_good"]
    assert r["balloon_shown"], r
    assert r["dialog_shown"] and r["dialog_still_open"]
    assert r["dialog_error"] == ("source_roots.codex (item 1): expected an absolute folder (or one under ~) without"
                                 " commas, got 'logs/codex'")
    assert r["file_untouched"]
    assert "runs on the last good settings" in run.stderr
    for path in r["shots"].values():
        assert Path(path).stat().st_size > 1000
