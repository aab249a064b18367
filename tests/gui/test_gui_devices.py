"""The machines switch: the summary shows this machine or all machines (the live chat stays this one's), the
charts follow it (Overview stacks by device), the choice is remembered, and Settings has a Devices page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from presenters.factories import NOW, make_snapshot
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.snapshot import DeviceLine, Everywhere
from tokenpulse.store.queries import Totals
from tokenpulse.store.sync.ledgers import Ledger, LedgerSet

EVERY = Everywhere(
    today=Totals(calls=300, input_tokens=9_000, cache_write_tokens=50_000, cache_read_tokens=2_000_000,
                 output_tokens=40_000, cost_usd=9.5),
    week=Totals(calls=900, output_tokens=120_000, cost_usd=30.0),
    spark_output=(0,) * 13 + (40_000,),
    devices=(DeviceLine("laptop", True, 800, NOW - 60_000, NOW - 120_000, device_id="a" * 16),
             DeviceLine("work<b>station</b>", False, 1_204, NOW - 3_600_000, NOW - 3 * 3_600_000,
                        device_id="b" * 16)),
    ledgers=LedgerSet((Ledger("laptop", "a" * 16, None), Ledger("workstation", "b" * 16, Path("/x")))))


def test_the_switch_appears_with_another_device_and_swaps_the_numbers(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    popup.update_snapshot(make_snapshot())
    popup.show()
    assert not popup.device_switch.isVisible()  # no other device: nothing to switch
    snap = make_snapshot(everywhere=EVERY)
    popup.update_snapshot(snap)
    assert popup.device_switch.isVisible() and popup.device_switch.this_button.isChecked()
    assert popup.cells[("output", "today")].text() == "12.3k"
    assert not popup.device_list.isVisible()
    with qtbot.waitSignal(popup.sig_devices_chosen) as chosen:
        qtbot.mouseClick(popup.device_switch.all_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [True]
    assert popup.cells[("output", "today")].text() == "40k"  # all machines
    assert popup.cells[("cost", "week")].text() == "$30.00"
    assert popup.spark.values[-1] == 40_000
    assert popup.live_title.text() == "Live chat: tokenpulse (Claude Code, 42 calls)"  # stays this machine's
    lines = popup.device_list.label.text()
    assert popup.device_list.isVisible()
    assert "laptop (this machine) · 800 calls · published 2 min ago" in lines.replace("\n", " ")
    assert "work‹b›station‹/b› · 1,204 calls · written 3 h ago" in lines.replace("\n", " ")  # never markup
    assert popup.device_list.label.textFormat() == Qt.TextFormat.PlainText
    qtbot.mouseClick(popup.device_switch.this_button, Qt.MouseButton.LeftButton)
    assert popup.cells[("output", "today")].text() == "12.3k"


def test_the_charts_follow_the_switch_and_stack_by_device(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sync.sync_helpers import Device, per_day
    from tokenpulse.gui.charts.window import ChartsWindow
    from tokenpulse.service.sync import device, ledger_set, others

    shared = tmp_path / "Sync"
    shared.mkdir()
    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, "workstation", shared)
    a.add_calls(40, seed=3)
    b.add_calls(30, seed=4, day0=2)
    for d in (a, b, a):
        d.scan()
        d.sync()
    ws = a.workspace()
    try:
        own = device(ws)
        ledgers = ledger_set(("all",), own, others(ws, own))
    finally:
        ws.close()
    win = ChartsWindow(a.data / "tokenpulse.sqlite3", a.settings, a.clock)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        win.show()
    overview = win.view("overview")
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        win.set_range("all")
    assert not win.device_switch.isVisible() and not overview.split_buttons["device"].isVisible()
    mine = sum(t.output for t in overview.daily.totals)
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        win.set_ledgers(ledgers, every=True)
    assert win.device_switch.isVisible() and overview.split_buttons["device"].isVisible()
    days: dict[str, int] = {}
    for d in (a, b):
        for (day, _source, _model), counts in per_day(d).items():
            days[day] = days.get(day, 0) + counts["output_tokens"]
    shown = {day: t.output for day, t in zip(overview.daily.days, overview.daily.totals) if t.output}
    assert shown == days
    overview.split_buttons["device"].click()
    assert [name for name, _c, _v in overview.series] == ["laptop", "workstation"]
    for day in days:
        by = overview.day_numbers(day)["by"]
        assert sum(by.values()) == days[day]
        assert by.get("workstation", 0) == sum(c["output_tokens"] for (dd, _s, _m), c in per_day(b).items()
                                                if dd == day)
    with qtbot.waitSignal(win.sig_devices_chosen) as chosen:
        qtbot.mouseClick(win.device_switch.this_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [False]
    qtbot.waitUntil(lambda: overview.daily is not None and "device" not in overview.daily.output_by, timeout=10_000)
    assert sum(t.output for t in overview.daily.totals) == mine
    assert overview.split == "agent" and not overview.split_buttons["device"].isVisible()
    for name in ("mix", "rhythm"):  # the other views that follow the switch draw too
        with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
            win.show_view(name)
    win.shutdown()


def test_the_choice_is_remembered(qtbot, tmp_path: Path, fake_worker) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.config import settings as settings_io
    from tokenpulse.config.paths import resolve
    from tokenpulse.config.settings import Settings, Sync
    from tokenpulse.gui.app import TokenpulseApp

    paths = resolve(tmp_path / "data")
    settings_io.save(Settings(sync=Sync(folder=str(tmp_path))), paths.settings_file)
    app = TokenpulseApp(paths, env={}, home=tmp_path, tray_available=False, no_tray=True)
    app.bridge._worker = fake_worker  # type: ignore[assignment]
    try:
        assert app.popup.device_switch.every  # a sync folder is set: all machines by default
        app.bridge._on_snapshot_changed(type("E", (), {"snapshot": make_snapshot(everywhere=EVERY)})())  # type: ignore[arg-type]
        qtbot.mouseClick(app.popup.device_switch.this_button, Qt.MouseButton.LeftButton)
        assert settings_io.load(paths.settings_file).sync.devices == ("this",)
        assert not any(name == "send" for name, _ in fake_worker.calls)  # nothing for the worker to re-read
        again = TokenpulseApp(paths, env={}, home=tmp_path, tray_available=False, no_tray=True)
        assert not again.popup.device_switch.every
        again.popup.close()
    finally:
        app.bridge._worker = None
        app.popup.hide()


def test_the_devices_page(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.config.settings import Sync
    from tokenpulse.gui.sync_page import SyncPage

    page = SyncPage(Sync(folder=str(tmp_path), device_name="laptop"), EVERY.devices, "vm", NOW)
    qtbot.addWidget(page)
    assert page.devices.count() == 2
    assert page.read() == Sync(folder=str(tmp_path), device_name="laptop")
    page.devices.setCurrentRow(0)  # this machine: cannot be forgotten here
    page.forget.click()
    assert page.devices.count() == 2
    page.devices.setCurrentRow(1)
    page.forget.click()
    assert page.devices.count() == 1 and page.read().forgotten_devices == ("b" * 16,)
    page.project_paths.setCurrentIndex(page.project_paths.findData("hashed"))
    page.name.clear()
    assert page.read().project_paths == "hashed" and page.read().device_name is None
    page.folder.setText(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="not an existing folder"):
        page.read()
    page.folder.clear()  # stop sharing
    assert page.read().folder is None
