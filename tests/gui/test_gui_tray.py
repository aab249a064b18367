"""The tray menu is rebuilt from the latest Snapshot; its actions only ask the bridge or emit signals."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from presenters.factories import NOW, make_snapshot
from tokenpulse.clock import FakeClock
from tokenpulse.gui.bridge import Bridge
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.tray import Tray
from tokenpulse.service.messages import Pause, SnapshotChanged, Snooze
from tokenpulse.snapshot import ImportProgress


def _tray(qtbot, fake_worker, snap=None, autostart=False):  # type: ignore[no-untyped-def]
    bridge = Bridge(snap or make_snapshot())
    bridge.attach(fake_worker)  # type: ignore[arg-type]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    tray = Tray(bridge, popup, FakeClock(NOW), lambda: autostart)
    return bridge, tray


def _texts(menu: QMenu) -> list[str]:
    return [a.text() if not a.isSeparator() else "---" for a in menu.actions()]


def _action(menu: QMenu, text: str):  # type: ignore[no-untyped-def]
    return next(a for a in menu.actions() if a.text() == text)


def test_menu_is_built_from_the_snapshot(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    _bridge, tray = _tray(qtbot, fake_worker, make_snapshot(importing=ImportProgress(1204, 3100)))
    tray.menu.aboutToShow.emit()
    texts = _texts(tray.menu)
    assert texts == [
        "Show summary", "---",
        "Today: $3.40 — output 12.3k",
        "      input 3.4k · cache write 45.6k · cache read 1.2M",
        "This week: $21.10+ — output 92.3k",
        "      input 23.4k · cache write 346k · cache read 9.2M",
        "Live chat: tokenpulse (Claude Code, 42 calls)",
        "      context 84.2k of 100k",
        "      each message re-reads 84.2k · fresh chat 17k",
        "Importing 1,204 of 3,100 files",
        "---", "Open charts…", "---", "Snooze reminders", "Pause watching", "Settings…",
        "Restore a backup", "Start at login", "Open log folder", "---", "Quit tokenpulse",
    ]
    # GNOME's AppIndicator extension opens this menu on a left click too: the summary comes first, in bold
    assert tray.menu.defaultAction() is tray.menu.actions()[0] and tray.menu.defaultAction().isEnabled()
    status = tray.menu.actions()[2:9]
    # status lines read as text, not greyed out like disabled items (issue 13); a click opens the summary
    assert all(a.isEnabled() for a in status)
    shown: list[object] = []
    tray._show_popup = lambda: shown.append(True)  # type: ignore[method-assign]
    tray.rebuild_menu(tray._bridge.latest)
    tray.menu.actions()[2].trigger()
    assert shown == [True]
    assert _action(tray.menu, "Pause watching").isCheckable() and not _action(tray.menu, "Pause watching").isChecked()
    assert _action(tray.menu, "Start at login").isCheckable()


def test_menu_follows_a_newer_snapshot(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    bridge, tray = _tray(qtbot, fake_worker, autostart=True)
    bridge.latest = make_snapshot(paused=True, live=None)
    tray.menu.aboutToShow.emit()
    assert "Watching paused: new log lines are not read" in _texts(tray.menu)
    assert not any(t.startswith("Live chat") for t in _texts(tray.menu))
    assert _action(tray.menu, "Pause watching").isChecked()
    assert _action(tray.menu, "Start at login").isChecked()


def test_snooze_submenu_sends_the_end_time(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    _bridge, tray = _tray(qtbot, fake_worker)
    tray.menu.aboutToShow.emit()
    sub = _action(tray.menu, "Snooze reminders").menu()
    assert _texts(sub) == ["For 30 minutes", "For 1 hour", "Until tomorrow"]
    _action(sub, "For 1 hour").trigger()
    _action(sub, "Until tomorrow").trigger()
    assert fake_worker.calls[-2:] == [("send", Snooze(NOW + 3_600_000)), ("send", Snooze(1_790_035_200_000))]


def test_a_snoozed_menu_offers_to_resume(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    _bridge, tray = _tray(qtbot, fake_worker, make_snapshot(snoozed_until_ms=NOW + 1_800_000))
    tray.menu.aboutToShow.emit()
    sub = _action(tray.menu, "Snooze reminders").menu()
    assert _texts(sub)[:2] == ["Snoozed until 14:43", "Resume reminders now"]
    _action(sub, "Resume reminders now").trigger()
    assert fake_worker.calls[-1] == ("send", Snooze(None))


def test_pause_quit_settings_charts_and_login(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    _bridge, tray = _tray(qtbot, fake_worker)
    tray.menu.aboutToShow.emit()
    _action(tray.menu, "Pause watching").trigger()
    assert fake_worker.calls[-1] == ("send", Pause())
    for text, signal in (("Quit tokenpulse", tray.sig_quit_requested), ("Settings…", tray.sig_settings_requested),
                         ("Open charts…", tray.sig_charts_requested)):
        with qtbot.waitSignal(signal, timeout=1000):
            _action(tray.menu, text).trigger()
    with qtbot.waitSignal(tray.sig_autostart_toggled, timeout=1000) as blocker:
        _action(tray.menu, "Start at login").trigger()
    assert blocker.args == [True]


def test_tooltip_and_icon_follow_snapshots(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    bridge, tray = _tray(qtbot, fake_worker)
    assert tray.icon.toolTip().startswith("tokenpulse — today $3.40")
    assert not tray.icon.icon().isNull()
    first = tray.icon.icon().cacheKey()
    with qtbot.waitSignal(bridge.sig_snapshot_changed, timeout=1000):
        bridge.post(SnapshotChanged(make_snapshot(paused=True)))  # as the worker would, from any thread
    assert "Watching paused" in tray.icon.toolTip()
    assert tray.icon.icon().cacheKey() != first


def test_left_click_toggles_the_popup(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QSystemTrayIcon

    _bridge, tray = _tray(qtbot, fake_worker)
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    popup = tray._popup
    qtbot.waitUntil(popup.isVisible, timeout=1000)
    assert popup.cells[("output", "today")].text() == "12.3k"
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert not popup.isVisible()


def test_first_import_shows_importing_not_zero(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    """While the first import runs the totals are partial: "importing…", never a final-looking $0.00."""
    from tokenpulse.store.queries import Totals

    snap = make_snapshot(ready=False, importing=ImportProgress(3, 10), today=Totals(), week=Totals(), live=None)
    _bridge, tray = _tray(qtbot, fake_worker, snap)
    tray.menu.aboutToShow.emit()
    texts = _texts(tray.menu)
    assert texts[2:4] == ["Today: importing…", "Importing 3 of 10 files"]
    assert not any("$0.00" in t for t in texts)
    assert tray.icon.toolTip().startswith("tokenpulse — importing…") and "$" not in tray.icon.toolTip()


def test_log_folder_and_no_logs_entries(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    _bridge, tray = _tray(qtbot, fake_worker)
    tray.no_logs = True
    tray.refresh()
    texts = _texts(tray.menu)
    assert texts[1] == "No agent logs found: where tokenpulse looked…"
    assert tray.icon.toolTip() == "tokenpulse — no agent logs found (see the menu)"
    with qtbot.waitSignal(tray.sig_no_logs_help_requested, timeout=1000):
        _action(tray.menu, texts[1]).trigger()
    with qtbot.waitSignal(tray.sig_log_folder_requested, timeout=1000):
        _action(tray.menu, "Open log folder").trigger()
