"""All machines on a real X server (Xvfb, 1280×800): two devices share a sync folder; the summary's "All machines"
is clicked with a real pointer (xdotool), then the charts' Overview is stacked by device; screenshots for a person
to look at land in tests/xvfb/screenshots/devices/ (or $TP_DEVICES_SHOTS).

The driver runs this file as a script in its own process (the pytest process already has an offscreen Qt).
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
    with x_server(tmp_path, (180, 199), tray=False) as env:
        yield env


def test_all_machines_on_a_real_screen(x_screen: dict[str, str], tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tests" / "sync"))
    from sync_helpers import Device, per_day

    shared = tmp_path / "Sync"
    shared.mkdir()
    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, "workstation", shared)
    a.add_calls(120, seed=51, day0=16, days=14)
    b.add_calls(90, seed=52, day0=18, days=12)
    for d in (a, b, a):
        d.scan()
        d.sync()
    shots = Path(os.environ.get("TP_DEVICES_SHOTS") or HERE / "screenshots" / "devices")
    env = dict(x_screen, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests"),
                                                     str(REPO / "tests" / "sync")]))
    run = subprocess.run([sys.executable, __file__, str(tmp_path), str(shots)], env=env, capture_output=True,
                         text=True, timeout=180, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-4000:]}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb"
    week_a = r["this_week_output"]
    assert r["all_week_output"] != week_a  # the click swapped the numbers
    assert r["device_lines"][0].startswith("laptop (this machine)") and "workstation" in r["device_lines"][1]
    outputs = {day: 0 for day in r["days"]}
    for d in (a, b):
        for (day, _s, _m), counts in per_day(d).items():
            if day in outputs:
                outputs[day] += counts["output_tokens"]
    assert r["overview_by_day"] == outputs
    assert r["series"] == ["laptop", "workstation"]
    for shot in r["shots"].values():
        assert Path(shot).stat().st_size > 10_000


# --- the driver (its own process, on the X display) -----------------------------------------------------

def _drive(root: Path, out: Path) -> dict[str, object]:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication
    from qt_pump import pump_until
    from sync_helpers import Device

    import tokenpulse.gui  # noqa: F401
    from tokenpulse.clock import zone
    from tokenpulse.gui.charts.window import ChartsWindow
    from tokenpulse.gui.popup import SummaryPopup
    from tokenpulse.service.sync_chores import SyncChores
    from tokenpulse.snapshot import build

    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")
    out.mkdir(parents=True, exist_ok=True)

    pump = partial(pump_until, app)

    def click(widget) -> None:  # type: ignore[no-untyped-def]
        centre = widget.mapToGlobal(widget.rect().center())
        subprocess.run(["xdotool", "mousemove", str(centre.x()), str(centre.y()), "click", "1"], check=True,
                       timeout=10)

    a = Device(root, "laptop", root / "Sync")
    ws = a.workspace()
    chores = SyncChores(a.clock)
    chores.open(ws)  # the worker's view of the other devices: the copies kept in the data folder
    tz = zone(ws.settings.timezone)
    now = a.clock.now_ms()
    snap = build(ws.conn, now, tz).with_state(everywhere=chores.everywhere(now, tz), ready=True)
    assert snap.everywhere is not None
    screen = QGuiApplication.primaryScreen()
    result: dict[str, object] = {"platform": QGuiApplication.platformName(), "shots": {}}

    popup = SummaryPopup(window_mode=True)
    popup.update_snapshot(snap)
    popup.move(40, 40)
    popup.show()
    pump(lambda: popup.isVisible() and popup.device_switch.isVisible(), 5)
    pump(lambda: False, 0.4)
    result["this_week_output"] = popup.cells[("output", "week")].text()
    path = out / "summary-this-machine.png"
    screen.grabWindow(0).save(str(path))
    result["shots"]["summary-this"] = str(path)  # type: ignore[index]
    chosen: list[bool] = []
    popup.sig_devices_chosen.connect(chosen.append)
    click(popup.device_switch.all_button)  # a real pointer on the real button
    assert pump(lambda: chosen == [True], 5), "the click did not reach the switch"
    pump(lambda: False, 0.4)
    result["all_week_output"] = popup.cells[("output", "week")].text()
    result["device_lines"] = popup.device_list.label.text().splitlines()
    path = out / "summary-all-machines.png"
    screen.grabWindow(0).save(str(path))
    result["shots"]["summary-all"] = str(path)  # type: ignore[index]
    popup.hide()

    win = ChartsWindow(ws.paths.database, ws.settings, a.clock)
    updated: list[str] = []
    win.sig_view_updated.connect(updated.append)

    def wait_drawn(action: Callable[[], None]) -> None:
        updated.clear()
        action()
        assert pump(lambda: bool(updated)), "the view was not drawn"
        pump(lambda: False, 0.4)

    win.setGeometry(0, 0, 1280, 800)
    wait_drawn(win.show)
    wait_drawn(lambda: win.set_ledgers(snap.everywhere.ledgers, every=True))  # type: ignore[union-attr]
    overview = win.view("overview")
    wait_drawn(lambda: click(overview.split_buttons["device"]))  # type: ignore[attr-defined]
    d = overview.daily  # type: ignore[attr-defined]
    result["days"] = d.days
    result["overview_by_day"] = {day: t.output for day, t in zip(d.days, d.totals)}
    result["series"] = [name for name, _c, _v in overview.series]  # type: ignore[attr-defined]
    path = out / "overview-by-device.png"
    screen.grabWindow(0).save(str(path))
    result["shots"]["overview-by-device"] = str(path)  # type: ignore[index]
    win.shutdown()
    chores.close()
    ws.close()
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(_drive(Path(sys.argv[1]), Path(sys.argv[2]))), flush=True)
