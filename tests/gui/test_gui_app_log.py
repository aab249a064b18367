"""What the app writes to its log (DATA_DIR/logs/tokenpulse.log, through the `tokenpulse` loggers): a settings
file refused at start once, and each recording failure once (issue 18 §2: one plain line per failure)."""

from __future__ import annotations

import errno
import logging
import sys
from pathlib import Path

import pytest

from tokenpulse import app_log
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.workspace import Workspace


def _env(tmp_path: Path) -> dict[str, str]:
    return {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def _ours(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    """Records that reach the app's log file: our loggers, at warning or above (the file's default level)."""
    return [r for r in caplog.records
            if r.name.startswith("tokenpulse") and r.levelno >= logging.WARNING and words in r.getMessage()]


def _errors_shown_by_a_started_app(tmp_path: Path, qtbot) -> list[str]:  # type: ignore[no-untyped-def]
    """Start the app (no tray), wait for the one error the worker reports to reach the GUI, and stop it; the
    errors shown. Anything logged after the message reached the GUI thread is in caplog too."""
    shown: list[str] = []
    app = TokenpulseApp(resolve(tmp_path / "data"), env=_env(tmp_path), home=tmp_path / "home",
                        no_tray=True, background=True)
    qtbot.addWidget(app.popup)
    app.bridge.sig_error_raised.connect(shown.append)
    try:
        app.start()
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
        qtbot.wait(200)
    finally:
        app.shutdown()
    return shown


def test_a_settings_file_refused_at_start_is_logged_once_as_a_warning(tmp_path: Path, qtbot, caplog,  # type: ignore[no-untyped-def]
                                                                      capsys) -> None:
    settings_file = resolve(tmp_path / "data").settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text('forgotten_projects = "/home/u/secret"\n')
    with caplog.at_level(logging.WARNING):
        app = TokenpulseApp(resolve(tmp_path / "data"), env=_env(tmp_path), home=tmp_path / "home",
                            tray_available=False, background=True)
    qtbot.addWidget(app.popup)
    try:
        logged = _ours(caplog, "forgotten_projects: expected a list of folders, got a string")
        assert [(r.levelname, r.getMessage()) for r in logged] == [
            ("WARNING", f"{settings_file}: forgotten_projects: expected a list of folders, got a string. tokenpulse"
                        " runs on the default settings until the file is fixed.")]
        assert "\n" not in logged[0].getMessage()  # one line
        assert "tokenpulse runs on the default settings" in capsys.readouterr().err  # still said on a terminal
    finally:
        app.shutdown()


def test_a_settings_problem_is_said_once_on_a_terminal_the_log_writes_to(tmp_path: Path, qtbot, capsys) -> None:  # type: ignore[no-untyped-def]
    """On a terminal (or with --verbose) the log itself writes to stderr: no second, printed copy there."""
    settings_file = resolve(tmp_path / "data").settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text("timezone = 5\n")
    handler = logging.StreamHandler(sys.stderr)  # as app_log.setup adds it on a terminal
    app_log._own(handler)
    logging.getLogger().addHandler(handler)
    try:
        assert app_log.reaches_stderr()
        app = TokenpulseApp(resolve(tmp_path / "data"), env=_env(tmp_path), home=tmp_path / "home",
                            tray_available=False, background=True)
        qtbot.addWidget(app.popup)
        app.shutdown()
    finally:
        logging.getLogger().removeHandler(handler)
    assert not app_log.reaches_stderr()
    said = [line for line in capsys.readouterr().err.splitlines() if "timezone:" in line]
    assert len(said) == 1 and "runs on the default settings" in said[0], said


def test_a_recording_failure_is_logged_once(tmp_path: Path, qtbot, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A full disk during the first import: the worker logs it, the app shows it; one log line, not two."""
    def full_disk(*_args, **_kw):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workspace, "scan", full_disk)
    with caplog.at_level(logging.WARNING):
        shown = _errors_shown_by_a_started_app(tmp_path, qtbot)
    failures = _ours(caplog, "disk is full")
    assert len(failures) == 1, [(r.name, r.getMessage()) for r in failures]
    assert failures[0].getMessage() == "not recording (the disk is full); retrying in 2 s" and shown == ["the disk is full"]
    assert failures[0].exc_info is None  # a plain line, no traceback


def test_an_error_of_the_app_itself_is_still_logged(tmp_path: Path, qtbot, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Errors the GUI raises on its own (a settings file it cannot write) have no worker to log them."""
    app = TokenpulseApp(resolve(tmp_path / "data"), env=_env(tmp_path), home=tmp_path / "home",
                        tray_available=False, background=True)
    qtbot.addWidget(app.popup)

    def read_only(*_args, **_kw):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(settings_io, "save", read_only)
    try:
        with caplog.at_level(logging.WARNING):
            app.save_settings(settings_io.with_changes(app.settings, rescan_minutes=30))
        assert [r.getMessage() for r in _ours(caplog, "settings not saved")] == [
            "settings not saved: [Errno 13] Permission denied"]
        assert app.settings.rescan_minutes == 60  # not taken: the file still says otherwise
    finally:
        app.shutdown()


def test_a_worker_error_it_did_not_log_itself_is_logged_once(tmp_path: Path, qtbot, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A store that cannot be opened: no step below the worker logs it, so the worker does; the app does not."""
    from tokenpulse.store.errors import StoreError

    def cannot_open(_settings):  # type: ignore[no-untyped-def]
        raise StoreError("the store cannot be opened: the data folder is read-only")

    monkeypatch.setattr(TokenpulseApp, "_factory", lambda self: cannot_open)
    with caplog.at_level(logging.WARNING):
        shown = _errors_shown_by_a_started_app(tmp_path, qtbot)
    assert [r.getMessage() for r in _ours(caplog, "cannot be opened")] == shown
