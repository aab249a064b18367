"""The app's wiring: one instance per data folder, signals quit it, a window without a tray, login and charts."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.instance import SignalWaker, SingleInstance
from tokenpulse.gui.no_tray import NO_TRAY_HINT, NO_TRAY_NOTICE


def test_a_second_instance_asks_the_first_to_show_its_summary(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = resolve(tmp_path / "data")
    first, second = SingleInstance(paths), SingleInstance(paths)
    assert first.acquire()
    try:
        assert not second.acquire()
        with qtbot.waitSignal(first.sig_show_requested, timeout=3000):
            assert second.ask_running_to_show()
    finally:
        first.release()
    third = SingleInstance(paths)
    assert third.acquire()  # released: the next start is the first again
    third.release()
    assert not SingleInstance(resolve(tmp_path / "other")).ask_running_to_show(timeout_ms=200)


def test_sigint_and_sigterm_reach_the_qt_loop(qtbot) -> None:  # type: ignore[no-untyped-def]
    got: list[int] = []
    waker = SignalWaker(lambda: got.append(1))
    try:
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    finally:
        waker.close()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.fixture
def make_app(tmp_path: Path, qtbot):  # type: ignore[no-untyped-def]
    apps: list[TokenpulseApp] = []

    def make(**kw) -> TokenpulseApp:  # type: ignore[no-untyped-def]
        env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
               "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
        app = TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", **kw)
        apps.append(app)
        qtbot.addWidget(app.popup)
        return app

    yield make
    for app in apps:
        app.shutdown()
        assert not app.worker.alive


def test_no_tray_says_so_and_names_gnomes_extension_once(make_app, qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tray_available=False)
    app.start()
    assert app.window_mode and app.tray is None
    qtbot.waitUntil(app.popup.isVisible, timeout=2000)
    assert app.popup.findChild(QLabel, "notice").text().replace("\n", " ") == f"{NO_TRAY_NOTICE} {NO_TRAY_HINT}"
    assert "AppIndicator" in NO_TRAY_HINT and "gnome-shell-extension-appindicator" in NO_TRAY_HINT
    assert sum(NO_TRAY_NOTICE in r.getMessage() for r in caplog.records) == 1
    app.shutdown()
    again = make_app(tray_available=False)  # the next start: the notice, without the one-time hint
    assert again.popup.findChild(QLabel, "notice").text().replace("\n", " ") == NO_TRAY_NOTICE


def test_no_tray_flag_needs_no_notice_and_background_shows_nothing(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(no_tray=True, background=True, tray_available=True)
    app.start()
    assert app.window_mode and app.popup.findChild(QLabel, "notice") is None
    assert not app.popup.isVisible()


def test_tray_mode_when_a_tray_exists(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tray_available=True, background=True)
    app.start()
    assert app.tray is not None and not app.window_mode and app.tray.icon.isVisible()


def test_start_at_login_from_the_tray_writes_the_entry_and_the_setting(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tray_available=True, background=True)
    app.tray.sig_autostart_toggled.emit(True)
    entry = tmp_path / "xdg/autostart/io.github.tokenpulse.TokenPulse.desktop"
    assert entry.is_file() and "--background" in entry.read_text()
    assert settings_io.load(app.paths.settings_file).start_at_login
    app.tray.sig_autostart_toggled.emit(False)
    assert not entry.exists() and not settings_io.load(app.paths.settings_file).start_at_login


def test_open_charts_shows_the_charts_window_and_reuses_it(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tray_available=False, background=True)
    with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=10_000, check_params_cb=lambda s: s.ready):
        app.start()
    app.popup.sig_charts_requested.emit()
    window = app.charts
    assert window is not None and window.isVisible()
    qtbot.waitUntil(lambda: window.current.result is not None, timeout=10_000)  # drawn from the (empty) store
    app.popup.sig_charts_requested.emit()
    assert app.charts is window  # one window, raised again
    assert not any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_a_broken_settings_file_falls_back_to_defaults_and_says_why(make_app, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    settings_file = resolve(tmp_path / "data").settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text("timezone = [unclosed")
    app = make_app(tray_available=False, background=True)
    assert app.settings == settings_io.Settings()
    assert "tokenpulse runs on the default settings until the file is fixed" in capsys.readouterr().err


def test_a_settings_file_broken_by_hand_leaves_the_app_on_the_last_good_settings(make_app, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                                  capsys) -> None:
    settings_file = resolve(tmp_path / "data").settings_file
    good = settings_io.Settings(timezone="Asia/Tokyo", forgotten_projects=("/home/u/secret",))
    settings_io.save(good, settings_file)
    settings_file.write_text('timezone = "Asia/Tokyo"\nforgotten_projects = "/home/u/secret"\n')
    app = make_app(tray_available=False, background=True)
    assert app.settings == good  # the forgotten project stays forgotten; nothing of the broken file is used
    said = (f"{settings_file}: forgotten_projects: expected a list of folders, got a string. tokenpulse runs on"
            " the last good settings until the file is fixed.")
    assert f"tokenpulse: {said}" in capsys.readouterr().err
    app.start()  # and on screen: without a tray, a small non-modal window says it
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert [w.text() for w in shown] == [said] and not shown[0].isModal()
    shown[0].close()


def test_settings_dialog_opens_with_the_current_settings(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tray_available=False, background=True)
    app.popup.sig_settings_requested.emit()
    dialog = app._dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.settings() == app.settings
    app.popup.sig_settings_requested.emit()  # a second request raises the same dialog
    assert app._dialog is dialog
    dialog.close()


def test_run_app_is_importable_with_the_cli_signature() -> None:
    import inspect

    from tokenpulse.gui.launch import run_app

    params = inspect.signature(run_app).parameters
    assert list(params) == ["paths", "no_tray", "background"]
    assert sys.modules["tokenpulse.gui"] is not None


def test_a_notice_window_shows_its_text_plain(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A notice quotes paths (the log folder, a restored backup): where only a window can say it, the text is
    never guessed to be markup (a folder named `<img src=x>` would be rendered, and make Qt open a file)."""
    app = make_app(tray_available=False, background=True)
    monkeypatch.setattr(app.reminders, "inform", lambda _title, _text, otherwise=None, **_kw: otherwise and otherwise())
    app._on_bridge_notice_raised("The log folder is /home/u/<b>logs</b>")
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert [w.text() for w in shown] == ["The log folder is /home/u/<b>logs</b>"]
    assert shown[0].textFormat() == Qt.TextFormat.PlainText and not shown[0].isModal()
    shown[0].close()
