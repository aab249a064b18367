"""The tray on a real X server: Xvfb + trayer (an XEMBED tray host), driven with xdotool, with screenshots.

Skipped only when the Xvfb or trayer programs are missing (`.ci/run` installs them). Screenshots land in
tests/xvfb/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import claude_line, write_lines

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("trayer")),
                       reason="needs the Xvfb and trayer programs (apt-get install xvfb trayer; see .ci/run)"),
]


def _free_display() -> str:
    for n in range(97, 140):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return f":{n}"
    raise RuntimeError("no free X display number between :97 and :139")


def _wait(command: list[str], env: dict[str, str], timeout: float = 10.0) -> bool:
    """Until the command succeeds: an external X server offers no signal to wait on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Xvfb and trayer for this test only; both stopped by pid afterwards."""
    for tool in ("xdotool", "xdpyinfo"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: install xdotool and x11-utils with Xvfb (see .ci/run)", pytrace=False)
    display = _free_display()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update({"DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path / "home")})
    procs: list[subprocess.Popen[bytes]] = []
    log = open(tmp_path / "x.log", "wb")  # noqa: SIM115 - closed in finally
    try:
        procs.append(subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp",
                                       "-noreset"],
                                      stdout=log, stderr=log))
        assert _wait(["xdpyinfo"], env), "Xvfb did not come up"
        procs.append(subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
             "--heighttype", "pixel", "--height", "32", "--SetDockType", "true", "--transparent", "false",
             "--tint", "0x333333"], env=env, stdout=log, stderr=log))
        assert _wait(["xdotool", "search", "--class", "trayer"], env), \
            f"trayer did not come up: {(tmp_path / 'x.log').read_text(errors='replace')[-2000:]}"
        yield env
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        log.close()


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
    for old in SHOTS.glob("*.png"):
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
    assert r["menu_shown"] and r["menu_items"][0].startswith("Today: $")
    assert "Quit tokenpulse" in r["menu_items"] and "Pause watching" in r["menu_items"]
    assert r["popup_shown"], "a left click on the icon did not open the popup"
    px, py, pw, _h = r["popup_geometry"]
    assert py >= y + h - 1 and px + pw <= 1280 and pw > 300  # under the icon, on screen
    assert r["popup_output_today"] == "11.2k"
    for path in r["shots"].values():
        assert Path(path).stat().st_size > 1_000, f"empty screenshot {path}"
