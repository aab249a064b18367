"""Settings › Work (the e-mail addresses whose commits are yours, issue 15 §1) and Settings › Log folders' rescan
period (issue 18 §2): set, saved, read back equal; nonsense refused with a reason; the worker follows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.settings_dialog import SettingsDialog
from tokenpulse.sources import registry


def _dialog(qtbot, settings: Settings) -> SettingsDialog:  # type: ignore[no-untyped-def]
    sources = registry.all_sources()
    dialog = SettingsDialog(settings, sources, {s.name: [] for s in sources}, False, "UTC")
    qtbot.addWidget(dialog)
    return dialog


def _save(dialog: SettingsDialog) -> list[Settings]:
    saved: list[Settings] = []
    dialog.sig_settings_saved.connect(saved.append)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    return saved


def test_emails_and_rescan_period_are_set_saved_and_read_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    assert dialog.work.emails.toPlainText() == "" and dialog.rescan.value() == 60  # the defaults, shown
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert "Work" in tabs and dialog.tabs.widget(tabs.index("Work")) is dialog.work
    dialog.work.emails.setPlainText("  me@work.example \n\n12345+me@users.noreply.github.com\nme@work.example\n")
    dialog.rescan.setValue(15)
    saved = _save(dialog)
    assert len(saved) == 1 and not dialog.error.isVisible()
    assert saved[0].git_emails == ("me@work.example", "12345+me@users.noreply.github.com")  # trimmed, once each
    assert saved[0].rescan_minutes == 15
    path = tmp_path / "settings.toml"
    settings_io.save(saved[0], path)
    assert 'git_emails = [\n    "me@work.example",' in path.read_text()
    loaded = settings_io.load(path)
    assert loaded == saved[0]
    again = _dialog(qtbot, loaded)  # and the form shows what was saved
    assert again.work.emails.toPlainText() == "me@work.example\n12345+me@users.noreply.github.com"
    assert again.rescan.value() == 15 and again.settings() == loaded


def test_no_rescan_reads_never_and_round_trips(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings(rescan_minutes=0))
    assert dialog.rescan.text() == "never" and dialog.rescan.property("off") is True
    assert dialog.settings() == Settings(rescan_minutes=0)


def test_a_line_that_is_not_an_address_is_refused_with_its_line_and_reason(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings(git_emails=("me@work.example",)))
    dialog.work.emails.setPlainText("me@work.example\n<b>me at home</b>")
    assert _save(dialog) == []
    assert dialog.error.text() == ("Work › e-mail addresses, line 2: expected an e-mail address, got"
                                   " '<b>me at home</b>'")
    assert dialog.error.isVisibleTo(dialog) and dialog.error.textFormat() == Qt.TextFormat.PlainText  # as typed
    dialog.work.emails.setPlainText("me@work.example\nme@home@example")
    assert _save(dialog) == [] and "line 2: expected an e-mail address, got 'me@home@example'" in dialog.error.text()


def test_the_rescan_period_offers_exactly_the_schemas_range(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    low, high = settings_io.bounds(Settings, "rescan_minutes")
    assert (dialog.rescan.minimum(), dialog.rescan.maximum()) == (low, high) == (0, 10_080)
    assert "10,080 minutes" in dialog.rescan.toolTip()  # the range, said where the field is
    dialog.rescan.selectAll()
    qtbot.keyClicks(dialog.rescan, "99999")  # out of range: the field does not take it
    dialog.rescan.interpretText()
    assert dialog.rescan.value() <= high
    assert low <= dialog.settings().rescan_minutes <= high


def test_the_worker_follows_a_new_rescan_period_without_a_restart(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    app = TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", no_tray=True, background=True)
    qtbot.addWidget(app.popup)
    try:
        app.start()
        recording = app.worker._recording
        assert recording.rescan_every_ms == 60 * 60_000
        app.save_settings(settings_io.with_changes(app.settings, rescan_minutes=5, git_emails=("me@x.example",)))
        qtbot.waitUntil(lambda: recording.rescan_every_ms == 5 * 60_000, timeout=10_000)
        assert settings_io.load(app.paths.settings_file).git_emails == ("me@x.example",)
        app.save_settings(settings_io.with_changes(app.settings, rescan_minutes=0))
        qtbot.waitUntil(lambda: recording.rescan_every_ms == 0 and recording.next_rescan_ms is None, timeout=10_000)
    finally:
        app.shutdown()
