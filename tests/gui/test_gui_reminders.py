"""Reminders on screen: the toast and its buttons, the tray's notification, the menu, and end to end from a log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from helpers import claude_line, write_lines
from presenters.factories import make_snapshot
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.bridge import Bridge
from tokenpulse.gui.charts.window import VIEWS
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.reminders import ReminderPresenter
from tokenpulse.nudges.model import DISMISS, MUTE_CHAT, OPEN_CHAT, SNOOZE_1H, Nudge
from tokenpulse.service.messages import Refresh, ReminderAnswer, RestoreBackup

NUDGE = Nudge("fresh_chat", "fresh_chat:7:1", "Time for a fresh chat?", "Claude Code · shop: the context is 115k.",
              (OPEN_CHAT, SNOOZE_1H, MUTE_CHAT), "/home/u/shop", session_id=7)


def test_toast_without_a_tray_offers_every_action(qtbot) -> None:  # type: ignore[no-untyped-def]
    presenter = ReminderPresenter(None)
    chosen: list[tuple[str, str]] = []
    presenter.sig_action.connect(lambda n, a: chosen.append((n.key, a)))
    presenter.show(NUDGE)
    toast = presenter.toast
    assert toast is not None and toast.isVisible()
    qtbot.addWidget(toast)
    assert toast.title.text() == NUDGE.title and "115k" in toast.body.text()
    assert [b.text() for b in toast.findChildren(QPushButton) if b.objectName() != "reminder_close"] == \
        ["Open in charts", "Snooze 1 h", "Not for this chat"]
    toast.buttons["mute_chat"].click()
    assert chosen == [("fresh_chat:7:1", "mute_chat")] and not toast.isVisible()
    assert presenter.latest is None  # answered


def test_balloon_without_a_notification_server_and_its_click_opens_the_chat(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QIcon, QPixmap
    from PySide6.QtWidgets import QSystemTrayIcon

    pixmap = QPixmap(16, 16)
    pixmap.fill()
    icon = QSystemTrayIcon(QIcon(pixmap))  # Qt warns about a tray icon shown without an image
    messages: list[tuple[str, str]] = []
    icon.showMessage = lambda title, body, *a: messages.append((title, body))  # type: ignore[method-assign]
    presenter = ReminderPresenter(icon, balloon_possible=lambda: True)  # no session bus in these tests
    chosen: list[str] = []
    presenter.sig_action.connect(lambda _n, a: chosen.append(a))
    presenter.show(NUDGE)
    assert presenter.toast is None and presenter.channels == [(NUDGE.key, "balloon")]
    assert messages == [(NUDGE.title, NUDGE.body + "\nClick to open this chat in the charts.")]
    icon.messageClicked.emit()
    assert chosen == ["open_chat"]
    assert presenter.latest is NUDGE  # opening it is not an answer: its other actions stay in the menu
    icon.messageClicked.emit()  # the balloon was answered: a second click signal is not ours
    assert chosen == ["open_chat"]


def test_a_balloon_click_answers_only_a_reminder_balloon(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Qt's messageClicked fires for any balloon (and, on some desktops, for other apps' notifications): a click
    on a notice's balloon, or with no balloon of ours on screen, must not open a chat."""
    from PySide6.QtWidgets import QSystemTrayIcon

    icon = QSystemTrayIcon()
    icon.showMessage = lambda *a: None  # type: ignore[method-assign]
    presenter = ReminderPresenter(icon, balloon_possible=lambda: True)
    chosen: list[str] = []
    presenter.sig_action.connect(lambda _n, a: chosen.append(a))
    icon.messageClicked.emit()  # nothing of ours shown yet
    presenter.show(NUDGE)
    presenter.inform("tokenpulse", "the store was rebuilt")  # a notice's balloon replaces the reminder's
    icon.messageClicked.emit()
    assert chosen == []


def test_tray_menu_offers_the_latest_reminder(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.clock import FakeClock
    from tokenpulse.gui.tray import Tray

    bridge = Bridge(make_snapshot(backups=(("2026-09-21 03:00 UTC", "/b/one.sqlite3"),)))
    bridge.attach(fake_worker)
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    tray = Tray(bridge, popup, FakeClock(0), lambda: False, lambda: NUDGE)
    chosen: list[str] = []
    tray.sig_reminder_action.connect(lambda _n, a: chosen.append(a))
    restores: list[str] = []
    tray.sig_restore_requested.connect(restores.append)
    tray.menu.aboutToShow.emit()
    sub = next(a.menu() for a in tray.menu.actions() if a.text() == "Reminder: Time for a fresh chat?")
    [a for a in sub.actions() if a.text() == "Snooze 1 h"][0].trigger()
    assert chosen == ["snooze_1h"]
    backups = next(a.menu() for a in tray.menu.actions() if a.text() == "Restore a backup")
    [a for a in backups.actions() if a.text() == "Backup of 2026-09-21 03:00 UTC…"][0].trigger()
    assert restores == ["/b/one.sqlite3"]


def test_summary_shows_the_reminder_with_its_buttons(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    popup.update_snapshot(make_snapshot())
    assert not popup.reminder_box.isVisibleTo(popup)
    popup.show_reminder(Nudge("budget", "budget:day:x:80", "Daily budget 80 % used", "Today you have spent $8.",
                              (DISMISS,)))
    assert popup.reminder_box.isVisibleTo(popup) and popup.reminder_title.text() == "Daily budget 80 % used"
    with qtbot.waitSignal(popup.sig_reminder_action, check_params_cb=lambda a: a == "dismiss"):
        popup.reminder_buttons["dismiss"].click()
    assert not popup.reminder_box.isVisibleTo(popup)


# --- end to end ---------------------------------------------------------------------------------------------

def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _call(n: int, context: int) -> str:
    """A Claude Code call (log-formats §1.3) stamped now whose context is `context` (mostly cache reads)."""
    return claude_line(msg_id=f"msg_{n:04d}", req_id=f"req_{n:04d}", output=50, input=10, cache_write=0,
                       cache_read=context - 10, ts=_now(), cwd="/home/u/shop", session="sess-long")


@pytest.fixture
def app(tmp_path: Path, qtbot):  # type: ignore[no-untyped-def]
    settings_io.save(Settings(timezone="UTC"), resolve(tmp_path / "data").settings_file)
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    a = TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", tray_available=False,
                      background=True, reminder_grace_ms=0)
    qtbot.addWidget(a.popup)
    yield a
    a.shutdown()


def _settle(app: TokenpulseApp, qtbot, calls: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the worker has read `calls` calls of the chat and has handed out whatever that made due: a
    forced refresh is queued behind the reminders of the same batch, so its snapshot arrives after them."""
    qtbot.waitUntil(lambda: app.bridge.latest.live is not None and app.bridge.latest.live.calls == calls,
                    timeout=5_000)
    with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=5_000):
        app.bridge.send(Refresh())


def test_crossing_the_threshold_shows_one_reminder_and_logs_it(app, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/-home-u-shop/sess-long.jsonl",
                      [_call(k, 10_000 * (k + 1)) for k in range(7)])  # 7 calls, 10k → 70k: below T
    with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=10_000, check_params_cb=lambda s: s.ready):
        app.start()
    _settle(app, qtbot, 7)
    assert app.reminders.shown == []
    with qtbot.waitSignal(app.bridge.sig_reminder_due, timeout=5_000) as due:
        write_lines(log, [_call(8, 120_000)], mode="a")  # the 8th call: 120k ≥ T and ≥ 4 × 10k
    nudge = due.args[0]
    assert nudge.key.startswith("fresh_chat:") and nudge.key.endswith(":1") and "120k tokens" in nudge.body
    toast = app.reminders.toast
    assert toast is not None and toast.isVisible() and toast.title.text() == "Time for a fresh chat?"
    qtbot.addWidget(toast)
    write_lines(log, [_call(9, 150_000)], mode="a")  # more, but below 2T = 200k: nothing new
    _settle(app, qtbot, 9)
    assert [n.key for n in app.reminders.shown] == [nudge.key]
    conn = sqlite3.connect(f"file:{app.paths.database}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT key, rule, project FROM reminder_log").fetchall()
    finally:
        conn.close()
    assert rows == [(nudge.key, "fresh_chat", "/home/u/shop")]


def test_open_chat_from_a_reminder_opens_the_charts_on_it(app, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/-home-u-shop/sess-long.jsonl",
                [_call(k, 10_000 * (k + 1)) for k in range(7)] + [_call(8, 120_000)])
    with qtbot.waitSignal(app.bridge.sig_reminder_due, timeout=10_000) as due:
        app.start()
    nudge = due.args[0]
    charts = app.open_charts()  # built first, so the test can listen to its chats view
    qtbot.addWidget(charts)
    with qtbot.waitSignal(charts.chats.sig_curve_shown, timeout=10_000,
                          check_params_cb=lambda sid: sid == nudge.session_id):
        app.reminders.choose(nudge, "open_chat")
    assert charts.isVisible() and charts.tabs.currentIndex() == VIEWS.index("chats")
    conn = sqlite3.connect(f"file:{app.paths.database}?mode=ro", uri=True)
    try:
        qtbot.waitUntil(lambda: conn.execute("SELECT action FROM reminder_log").fetchone() == ("open_chat",),
                        timeout=5_000)
    finally:
        conn.close()


def test_restore_from_the_menu_asks_then_tells_the_worker(app, qtbot, monkeypatch: pytest.MonkeyPatch,
                                                         fake_worker) -> None:  # type: ignore[no-untyped-def]
    app.bridge._worker = fake_worker  # not started: only the command is checked here
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    app._on_restore_requested("/b/one.sqlite3")
    assert fake_worker.calls == []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    app._on_restore_requested("/b/one.sqlite3")
    assert fake_worker.calls == [("send", RestoreBackup("/b/one.sqlite3"))]
    app.bridge._worker = None


def test_an_answer_from_the_tray_menu_takes_the_same_path_as_the_summary(tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
                                                                         fake_worker) -> None:
    """Answered in the tray menu, a reminder leaves the menu and the summary, and the worker gets the answer
    (it used to go straight to the worker and stay in the menu)."""
    a = TokenpulseApp(resolve(tmp_path / "data"), env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")},
                      home=tmp_path / "home", tray_available=True, background=True)
    qtbot.addWidget(a.popup)
    a.bridge.attach(fake_worker)
    try:
        a.bridge.sig_reminder_due.emit(NUDGE)
        assert a.reminders.latest is NUDGE and a.popup.reminder_box.isVisibleTo(a.popup)
        assert a.tray is not None
        a.tray.menu.aboutToShow.emit()
        sub = next(x.menu() for x in a.tray.menu.actions() if x.text() == "Reminder: Time for a fresh chat?")
        next(x for x in sub.actions() if x.text() == "Snooze 1 h").trigger()
        assert a.reminders.latest is None and not a.popup.reminder_box.isVisibleTo(a.popup)
        a.tray.menu.aboutToShow.emit()
        assert not any(x.text().startswith("Reminder:") for x in a.tray.menu.actions())
        assert ("send", ReminderAnswer(NUDGE.key, "snooze_1h", NUDGE.session_id)) in fake_worker.calls
    finally:
        a.tray.hide()
        a.bridge.stop()
