"""Everything tokenpulse writes in its data and config folders is the user's only (0600 files, 0700 folders)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import REPO, claude_line, write_lines

DAY_MS = 86_400_000
NOW_MS = 1_780_000_000_000
DB = "tokenpulse.sqlite3"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask, so only the code's own modes can make a file private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def default_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The platform's data and config folders (platformdirs, XDG) inside tmp, as two different folders."""
    from tokenpulse.config.paths import resolve

    monkeypatch.delenv("TOKENPULSE_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    paths = resolve(env={})
    assert paths.data_dir == tmp_path / "xdg-data" / "tokenpulse"
    assert paths.config_dir == tmp_path / "xdg-config" / "tokenpulse"
    return paths


def modes(folder: Path) -> dict[str, int]:
    """Permission bits of the folder and of everything under it (links not followed), by relative name."""
    out = {".": stat.S_IMODE(folder.lstat().st_mode)}
    for path in folder.rglob("*"):
        out[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return out


def not_private(folder: Path) -> list[str]:
    """Entries that others could read or write: files not 0600, folders not 0700."""
    bad = []
    for name, mode in modes(folder).items():
        path = folder / name
        want = 0o700 if path.is_dir() and not path.is_symlink() else 0o600
        if mode != want:
            bad.append(f"{name}: {mode:o} (want {want:o})")
    return bad


def _claude_logs(tmp_path: Path) -> dict[str, str]:
    write_lines(tmp_path / "claude/projects/-p/s.jsonl",
                [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i + 1, cwd="/home/u/proj") for i in range(20)])
    write_lines(tmp_path / "claude/projects/-q/t.jsonl",
                [claude_line(msg_id="q1", req_id="rq1", session="sess-q", cwd="/home/u/other")])
    return {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "no-codex")}


def _damage_header(db: Path) -> None:
    """Overwrite the file's header in place (its mode stays what tokenpulse gave it), as a bad disk would."""
    with open(db, "r+b") as fh:
        fh.write(b"\xa5" * 100)


def test_store_settings_backups_and_recovery_files_are_private(tmp_path: Path, default_folders,  # type: ignore[no-untyped-def]
                                                              open_umask: None) -> None:
    from tokenpulse.config import settings as settings_io
    from tokenpulse.store import backup, forget
    from tokenpulse.store.db import connect
    from tokenpulse.workspace import Workspace

    paths = default_folders
    settings_io.save(settings_io.Settings(timezone="UTC"), paths.settings_file)
    ws = Workspace(paths, env=_claude_logs(tmp_path), home=tmp_path / "home")
    try:
        ws.scan()
        backup.make_backup(paths.database, paths.backups_dir, NOW_MS)
        assert backup.backup_if_due(paths.database, paths.backups_dir, NOW_MS + DAY_MS) is not None
        while_open = modes(paths.data_dir)  # the -wal and -shm exist only while a connection is open
        bad_while_open = not_private(paths.data_dir)
    finally:
        ws.close()
    assert {DB, f"{DB}-wal", f"{DB}-shm", f"{DB}.lock", "scan.lock", "backups"} <= set(while_open)
    assert bad_while_open == []

    _damage_header(paths.database)
    connect(paths.database).close()  # moves the damaged store aside, starts again from the newest backup
    conn = connect(paths.database)
    try:
        assert forget.forget_project(conn, "/home/u/other") == 1
    finally:
        conn.close()
    assert forget.forget_project_in_backups(paths.backups_dir, "/home/u/other") == 2
    backup.restore(paths.database, backup.list_backups(paths.backups_dir)[-1], now_ms=NOW_MS + 2 * DAY_MS)

    names = set(modes(paths.data_dir))
    assert {DB, "recovery-notice.txt", "backups"} <= names
    assert len([n for n in names if n.startswith("backups/tokenpulse-")]) == 2
    assert any(n.startswith(f"{DB}.corrupt-") for n in names)  # the damaged copy, kept
    assert any(n.startswith(f"{DB}.before-restore-") for n in names)
    assert not_private(paths.data_dir) == []
    assert set(modes(paths.config_dir)) == {".", "settings.toml", "settings.last-good.toml"}
    assert not_private(paths.config_dir) == []


def test_settings_rewritten_over_a_world_readable_file_become_private(tmp_path: Path, default_folders,  # type: ignore[no-untyped-def]
                                                                     open_umask: None) -> None:
    from tokenpulse.config import settings as settings_io

    paths = default_folders
    paths.config_dir.mkdir(parents=True, mode=0o700)
    paths.settings_file.write_text('timezone = "UTC"\n')
    os.chmod(paths.settings_file, 0o644)  # as a user's editor may leave it
    settings_io.save(settings_io.Settings(timezone="Europe/Paris"), paths.settings_file)
    assert settings_io.load(paths.settings_file).timezone == "Europe/Paris"
    assert not_private(paths.config_dir) == []


def test_cli_scan_and_report_under_an_open_umask_leave_only_private_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOKENPULSE_", "XDG_", "CLAUDE_", "CODEX_"))}
    env.update(_claude_logs(tmp_path), HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg-data"),
               XDG_CONFIG_HOME=str(tmp_path / "xdg-config"), TZ="UTC", PYTHONPATH=str(REPO / "app"),
               PYTHONDONTWRITEBYTECODE="1", GEMINI_DATA_DIR=str(tmp_path / "none"),
               QWEN_DATA_DIR=str(tmp_path / "none"), OPENCODE_DATA_DIR=str(tmp_path / "none"),
               COPILOT_OTEL_DIR=str(tmp_path / "none"))
    for args in (["scan"], ["daily", "--json"]):
        done = subprocess.run([sys.executable, "-m", "tokenpulse", *args], env=env, capture_output=True, text=True,
                              timeout=180, umask=0, check=False)
        assert done.returncode == 0, done.stderr
    data = tmp_path / "xdg-data" / "tokenpulse"
    assert {DB, f"{DB}.lock", "scan.lock"} <= set(modes(data))
    assert not_private(data) == []
    config = tmp_path / "xdg-config" / "tokenpulse"
    if config.exists():  # the CLI writes no settings on its own; if it made the folder, it must be private
        assert not_private(config) == []


@pytest.mark.gui
def test_the_app_writes_only_private_files(tmp_path: Path, default_folders, open_umask: None,  # type: ignore[no-untyped-def]
                                           qtbot) -> None:
    from tokenpulse.gui.app import TokenpulseApp

    paths = default_folders
    env = _claude_logs(tmp_path) | {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config")}
    app = TokenpulseApp(paths, env=env, home=tmp_path / "home", tray_available=True, background=True)
    qtbot.addWidget(app.popup)
    try:
        with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=20_000, check_params_cb=lambda s: s.ready):
            app.start()
        app.tray.sig_autostart_toggled.emit(True)  # writes settings.toml and the login entry
        assert not_private(paths.data_dir) == []
    finally:
        app.shutdown()
    assert (tmp_path / "xdg-config/autostart").is_dir()  # the login entry: normal desktop-file modes are fine
    assert {DB, "scan.lock"} <= set(modes(paths.data_dir))
    assert not_private(paths.data_dir) == []
    assert "settings.toml" in modes(paths.config_dir)
    assert not_private(paths.config_dir) == []


@pytest.mark.gui
def test_the_single_instance_lock_is_private(tmp_path: Path, default_folders, open_umask: None, qtbot) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.gui.instance import SingleInstance

    paths = default_folders
    instance = SingleInstance(paths)
    assert instance.acquire()
    try:
        assert "app.lock" in modes(paths.data_dir)
        assert not_private(paths.data_dir) == []
    finally:
        instance.release()
