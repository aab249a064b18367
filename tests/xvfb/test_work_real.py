"""The work read from git in the charts on a real X server (Xvfb, 1280×800): Projects with work beside spend,
a chat with its commits on its curve, the Overview with commits per day, in a light and a dark palette; the
screenshots are for a person to look at (tests/xvfb/screenshots/work/, or $TP_WORK_SHOTS).

The test builds real repositories and chats (tests/work_world.py, plus one longer chat with growing context
and four commits while it ran), scans them and reads their work, then runs this file as a script on the X
display (a Qt platform cannot change once the pytest process has an offscreen QApplication).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from xserver import needs, x_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

pytestmark = [pytest.mark.xvfb, needs("Xvfb", "xdotool", "xdpyinfo")]


@pytest.fixture
def x_screen(tmp_path: Path) -> Iterator[dict[str, str]]:
    with x_server(tmp_path, (180, 219), tray=False) as env:
        yield env


def _long_chat(world) -> None:  # type: ignore[no-untyped-def]
    """A chat in alpha from 14:30 to 17:50 whose context grows call by call: the side-branch commit (15:00),
    the binary one (16:00), the merge (17:00) and the rename (18:00, in its 30-minute tail) happen while it runs."""
    from helpers import claude_line, write_lines
    from work_world import T0, H, iso

    start = T0 + 2 * H + 30 * 60
    lines = [claude_line(msg_id=f"a3-{i}", req_id=f"a3-{i}", input=200, cache_read=12_000 + i * 9_000,
                         output=300 + 40 * i, ts=iso(start + i * 20 * 60), session="a3", cwd=str(world.alpha.path))
             for i in range(11)]
    world.chats["a3"] = str(world.alpha.path)
    write_lines(world.claude / "projects" / "a3" / "a3.jsonl", lines)


def test_work_in_the_charts_on_a_real_screen(x_screen: dict[str, str], tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from gitrepo import require_git

    require_git()
    from tokenpulse.config.paths import resolve
    from tokenpulse.config.settings import Settings
    from tokenpulse.work.reader import WorkReader
    from tokenpulse.workspace import Workspace
    from work_world import build

    world = build(tmp_path / "w")
    _long_chat(world)
    data = tmp_path / "data"
    ws = Workspace(resolve(data), env={"CLAUDE_CONFIG_DIR": str(world.claude)}, home=tmp_path / "nohome",
                   settings=Settings(timezone="UTC"))
    try:
        ws.work_reader = WorkReader(env=world.env)
        ws.scan()
        ws.refresh_work()
    finally:
        ws.close()
    shots = Path(os.environ.get("TP_WORK_SHOTS") or HERE / "screenshots" / "work")
    env = dict(x_screen, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests")]))
    run = subprocess.run([sys.executable, __file__, str(data / "tokenpulse.sqlite3"), str(shots),
                          str(world.alpha.path)], env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-4000:]}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb"
    assert "6 commits, +27 / −0 lines, 7 files" in r["projects_text"]
    assert r["chat_summary"] == "this chat: 4 commits, +14 / −0 lines, 5 files"
    assert r["chat_positions"] == sorted(r["chat_positions"]) and len(r["chat_positions"]) == 4
    assert r["chat_positions"][-1] > 11  # the rename, 10 minutes after the last call: past the last call
    assert r["overview_summary"].startswith("11 commits")
    for shot in r["shots"].values():
        assert shot["size"] == [1280, 800] and Path(shot["path"]).stat().st_size > 10_000
        assert shot["commit_pixels"] > 50, shot  # the commits' colour is really on the screen


# --- the driver (its own process, on the X display) -----------------------------------------------------

def _drive(db: Path, out: Path, alpha: str) -> dict[str, object]:
    from datetime import UTC, datetime

    from PySide6.QtGui import QColor, QGuiApplication
    from PySide6.QtWidgets import QApplication
    from qt_pump import pump_until
    from test_charts_real import _dark_palette

    import tokenpulse.gui  # noqa: F401 - before any Qt use, as the app does
    from tokenpulse.clock import FakeClock
    from tokenpulse.config.settings import Settings
    from tokenpulse.gui.charts.window import ChartsWindow
    from tokenpulse.gui.charts.work_common import COMMITS

    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")
    out.mkdir(parents=True, exist_ok=True)

    pump = partial(pump_until, app)

    win = ChartsWindow(db, Settings(timezone="UTC"), FakeClock(datetime(2026, 1, 2, 12, 0, tzinfo=UTC)))
    win.setGeometry(0, 0, 1280, 800)
    updated: list[str] = []
    win.sig_view_updated.connect(updated.append)

    def wait_drawn(action: Callable[[], None]) -> None:
        updated.clear()
        action()
        assert pump(lambda: bool(updated)), "the view was not drawn"

    wait_drawn(win.show)
    wait_drawn(lambda: win.set_range("7d"))
    screen = QGuiApplication.primaryScreen()
    commit_rgb = QColor(COMMITS).rgb()
    result: dict[str, object] = {"platform": QGuiApplication.platformName(), "shots": {}}

    def shoot(name: str) -> None:
        pump(lambda: False, 0.5)  # let the X server show the frame
        image = screen.grabWindow(0).toImage()
        path = out / f"{name}.png"
        image.save(str(path))
        near = sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
                   if _close(image.pixel(x, y), commit_rgb))
        result["shots"][name] = {"path": str(path), "size": [image.width(), image.height()],  # type: ignore[index]
                                 "commit_pixels": near}

    import sqlite3

    conn = sqlite3.connect(db)
    a3 = conn.execute("SELECT id FROM chat_session WHERE session_key = 'a3'").fetchone()[0]
    conn.close()
    for theme in ("light", "dark"):
        app.setPalette(_dark_palette() if theme == "dark" else app.style().standardPalette())
        pump(lambda: False, 0.3)
        wait_drawn(lambda: win.show_view("projects"))
        projects = win.views["projects"]
        panel = projects.work_piece  # type: ignore[attr-defined]
        names = [p.name for p, _c, _k in projects.projects_model.rows]  # type: ignore[attr-defined]
        projects.select_row(names.index(alpha))  # type: ignore[attr-defined]
        assert pump(lambda: panel.shown is not None and panel.shown.name == alpha), "work beside spend not shown"
        result["projects_text"] = panel.text.text()
        shoot(f"{theme}-projects")

        layer = win.chats.work_piece  # type: ignore[attr-defined]
        win.show_session(a3)
        assert pump(lambda: layer.found is not None and layer.found.session_id == a3), "no commits drawn"
        result["chat_summary"] = layer.summary()
        result["chat_positions"] = layer.positions
        shoot(f"{theme}-chat")

        wait_drawn(lambda: win.show_view("overview"))
        strip = win.views["overview"].work_piece  # type: ignore[attr-defined]
        strip.data = None
        strip.toggle.setChecked(True)
        assert pump(lambda: strip.data is not None), "commits per day not drawn"
        result["overview_summary"] = strip.summary()
        shoot(f"{theme}-overview")
        strip.toggle.setChecked(False)
    win.shutdown()
    return result


def _close(pixel: int, rgb: int, tolerance: int = 12) -> bool:
    return all(abs(((pixel >> s) & 0xFF) - ((rgb >> s) & 0xFF)) <= tolerance for s in (0, 8, 16))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    db_arg, out_arg, alpha_arg = sys.argv[1:4]
    print("RESULT " + json.dumps(_drive(Path(db_arg), Path(out_arg), alpha_arg)))
