"""The charts window on a real X server (Xvfb, 1280×800): every view in a light and a dark palette, a real
pointer (xdotool) hovering a day, and screenshots for a person to look at.

The test starts Xvfb, fills a store from the generated chart history, and runs this file as a script in
its own process (a Qt platform cannot change once the pytest process has an offscreen QApplication).
Screenshots land in tests/xvfb/screenshots/charts/, or in $TP_CHARTS_SHOTS. The script also runs by hand
on any store: python tests/xvfb/test_charts_real.py DB OUT_DIR NOW_ISO ZONE [RANGE]
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
VIEWS = ("overview", "mix", "chats", "projects", "rhythm")

pytestmark = [
    pytest.mark.xvfb,
    needs("Xvfb", "xdotool", "xdpyinfo"),
]


# --- the test (pytest process) ---------------------------------------------------------------------------

@pytest.fixture
def x_screen(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Xvfb at 1280×800 for this test only (displays above the tray test's, so both can run at once)."""
    with x_server(tmp_path, (140, 179), tray=False) as env:
        yield env


def test_every_view_on_a_real_screen_in_light_and_dark(x_screen: dict[str, str], tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tests" / "charts"))
    from chart_history import NOW, write_history

    from tokenpulse.config.paths import resolve
    from tokenpulse.config.settings import Settings
    from tokenpulse.workspace import Workspace

    claude, codex, data = tmp_path / "claude", tmp_path / "codex", tmp_path / "data"
    write_history(claude, codex)
    ws = Workspace(resolve(data), env={"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex)},
                   home=tmp_path / "home", settings=Settings(timezone="UTC"))
    try:
        ws.scan()
    finally:
        ws.close()
    shots = Path(os.environ.get("TP_CHARTS_SHOTS") or HERE / "screenshots" / "charts")
    env = dict(x_screen, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests")]))
    run = subprocess.run([sys.executable, __file__, str(data / "tokenpulse.sqlite3"), str(shots), NOW.isoformat(),
                          "UTC", "90d"], env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-4000:]}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb" and r["screen"] == [1280, 800]
    for theme in ("light", "dark"):
        for view in VIEWS:
            shot = r["shots"][f"{theme}-{view}"]
            assert shot["size"] == [1280, 800], shot
            # the plot is drawn: bars, lines, text and axes give many colours; an empty frame gives a few
            assert shot["plot_colours"] > 40, shot
            assert (shot["plot_background_lightness"] < 60) == (theme == "dark"), shot
            assert Path(shot["path"]).stat().st_size > 10_000
    # a real pointer over a day: the read-out gives that day's exact numbers
    hover = r["hover"]
    assert hover["day"] in hover["readout"] and f"{hover['output']:,}" in hover["readout"], hover
    assert r["chat"]["expanded"] and r["chat"]["curve_calls"] > 1


# --- the driver (its own process, on the X display) -----------------------------------------------------

def _dark_palette():  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#2b2b2b"), (roles.WindowText, "#e6e6e6"), (roles.Base, "#1e1e1e"),
                         (roles.AlternateBase, "#262626"), (roles.Text, "#e6e6e6"), (roles.Button, "#353535"),
                         (roles.ButtonText, "#e6e6e6"), (roles.Highlight, "#3d6fb4"),
                         (roles.HighlightedText, "#ffffff"), (roles.ToolTipBase, "#333333"),
                         (roles.ToolTipText, "#eeeeee"), (roles.PlaceholderText, "#8a8a8a")):
        palette.setColor(role, QColor(colour))
    return palette


def _drive(db: Path, out: Path, now_iso: str, zone: str, rng: str) -> dict[str, object]:
    from datetime import date, datetime

    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication
    from qt_pump import pump_until

    import tokenpulse.gui  # noqa: F401 - before any Qt use, as the app does
    from tokenpulse.clock import FakeClock
    from tokenpulse.config.settings import Settings
    from tokenpulse.gui.charts.axes import DAY_S
    from tokenpulse.gui.charts.base import pretty_day
    from tokenpulse.gui.charts.window import ChartsWindow

    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")  # the same widgets on every machine; colours come from the palette
    out.mkdir(parents=True, exist_ok=True)

    pump = partial(pump_until, app)

    win = ChartsWindow(db, Settings(timezone=zone), FakeClock(datetime.fromisoformat(now_iso)))
    updated: list[str] = []
    win.sig_view_updated.connect(updated.append)

    def wait_drawn(action: Callable[[], None]) -> None:
        updated.clear()
        action()
        assert pump(lambda: bool(updated)), "the view was not drawn"
        pump(lambda: False, 0.4)  # let the X server show the frame before grabbing it

    result: dict[str, object] = {"platform": QGuiApplication.platformName(), "shots": {}}
    screen = QGuiApplication.primaryScreen()
    result["screen"] = [screen.geometry().width(), screen.geometry().height()]
    win.setGeometry(0, 0, 1280, 800)  # no window manager: the window is the screen
    wait_drawn(win.show)
    wait_drawn(lambda: win.set_range(rng))

    def plot_of(name: str):  # type: ignore[no-untyped-def]
        view = win.view(name)
        return view.growth.plot if name == "chats" else view.plot  # type: ignore[attr-defined]

    for theme in ("light", "dark"):
        app.setPalette(_dark_palette() if theme == "dark" else app.style().standardPalette())
        pump(lambda: False, 0.3)
        for name in VIEWS:
            wait_drawn(lambda n=name: win.show_view(n))  # type: ignore[misc]
            if name == "chats":
                chats = win.chats
                parent = next(c for c in chats.model.rows if c.children)
                child = parent.children[0].session_id
                shown: list[int] = []
                chats.sig_curve_shown.connect(shown.append)
                win.show_session(child)  # a sub-agent chat: its parent row opens
                assert pump(lambda: child in shown), "the chat's curve was not drawn"
                chats.sig_curve_shown.disconnect(shown.append)
                pump(lambda: False, 0.4)
                result["chat"] = {"expanded": chats.tree.isExpanded(chats.model.find(child).parent()),
                                  "curve_calls": len(chats.growth.curve.context)}
            image = screen.grabWindow(0).toImage()
            path = out / f"{theme}-{name}.png"
            image.save(str(path))
            plot = plot_of(name)
            top_left = plot.mapToGlobal(plot.rect().topLeft())
            area = image.copy(top_left.x(), top_left.y(), plot.width(), plot.height())
            colours = {area.pixel(x, y) for x in range(0, area.width(), 2) for y in range(0, area.height(), 2)}
            background = plot.backgroundBrush().color().lightness()
            result["shots"][f"{theme}-{name}"] = {  # type: ignore[index]
                "path": str(path), "size": [image.width(), image.height()], "plot_colours": len(colours),
                "plot_background_lightness": background}
        if theme == "light":
            # the other side of the two toggles
            for name, flip, back in (("overview", lambda v: v.set_split("model"), lambda v: v.set_split("agent")),
                                     ("mix", lambda v: v.set_unit("cost"), lambda v: v.set_unit("tokens"))):
                wait_drawn(lambda n=name: win.show_view(n))  # type: ignore[misc]
                wait_drawn(lambda n=name, f=flip: f(win.view(n)))  # type: ignore[misc]
                path = out / f"light-{name}-{'by-model' if name == 'overview' else 'cost'}.png"
                screen.grabWindow(0).save(str(path))
                wait_drawn(lambda n=name, b=back: b(win.view(n)))  # type: ignore[misc]
            # a real pointer over the busiest day of the Overview (xdotool moves the X server's pointer)
            wait_drawn(lambda: win.show_view("overview"))
            overview = win.view("overview")
            d = overview.daily  # type: ignore[attr-defined]
            i = max(range(len(d.days)), key=lambda k: d.totals[k].output)
            x = ((date.fromisoformat(d.days[i]) - date(1970, 1, 1)).days) * DAY_S
            vb = overview.plot.getPlotItem().vb  # type: ignore[attr-defined]
            y0, y1 = vb.viewRange()[1]
            local = overview.plot.mapFromScene(vb.mapViewToScene(QPointF(x, (y0 + y1) / 3)))  # type: ignore[attr-defined]
            where = overview.plot.viewport().mapToGlobal(local)  # type: ignore[attr-defined]
            subprocess.run(["xdotool", "mousemove", str(where.x()), str(where.y())], check=True, timeout=10)
            pump(lambda: pretty_day(d.days[i]) in overview.readout.text(), 5)  # type: ignore[attr-defined]
            path = out / "light-overview-hover.png"
            screen.grabWindow(0).save(str(path))
            result["hover"] = {"day": pretty_day(d.days[i]), "output": d.totals[i].output,
                               "readout": overview.readout.text(), "path": str(path)}  # type: ignore[attr-defined]
            subprocess.run(["xdotool", "mousemove", "1279", "0"], check=True, timeout=10)
    for name in VIEWS:  # the exports of the last (dark) palette, for the eye
        win.show_view(name)
        pump(lambda: False, 0.2)
        written: list[str] = []
        win.sig_exported.connect(written.append)
        win.export_png(out / f"export-dark-{name}.png")
        pump(lambda: bool(written))
        win.sig_exported.disconnect(written.append)
    win.shutdown()
    return result


if __name__ == "__main__":
    db_arg, out_arg, now_arg, zone_arg = sys.argv[1:5]
    print("RESULT " + json.dumps(_drive(Path(db_arg), Path(out_arg), now_arg, zone_arg,
                                        sys.argv[5] if len(sys.argv) > 5 else "90d")))
