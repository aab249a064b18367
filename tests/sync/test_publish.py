"""What is published: numbers only. Log file paths, reminder texts and the app's state never leave the machine;
project paths are published as folder names by default, in full or hashed on request; files are private and
replaced whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sync_helpers import Device

from tokenpulse.store.sync.layout import LEDGER, MANIFEST
from tokenpulse.store.sync.manifest import read_manifest
from tokenpulse.store.sync.publish import project_label


def _published(d: Device) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{d.folder() / LEDGER}?mode=ro", uri=True)


def _with_private_things(d: Device) -> None:
    from tokenpulse.store import reminders

    ws = d.workspace()
    try:
        ws.scan()
        reminders.log_shown(ws.conn, key="fresh_chat:1:1", rule="fresh_chat", title="Secret-Title-XYZ",
                            body="in /home/laptop/projects/p1, context 120k", session_id=None,
                            project="/home/laptop/projects/p1", shown_ms=d.clock.now_ms())
    finally:
        ws.close()


def test_only_numbers_leave_the_machine(tmp_path: Path, shared: Path) -> None:
    d = Device(tmp_path, "laptop", shared)
    d.add_calls(20, seed=1)
    _with_private_things(d)
    assert d.sync().publish_problem is None
    raw = (d.folder() / LEDGER).read_bytes()
    for secret in (b"/home/laptop", str(d.claude).encode(), str(d.codex).encode(), b"Secret-Title-XYZ",
                   b"batch-", b"rollout-"):
        assert secret not in raw, secret  # not in a row, and not left in a free page either
    conn = _published(d)
    try:
        for table in ("source_file", "reminder_log", "app_state"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert {r[0] for r in conn.execute("SELECT project FROM chat_session")} == {"p0", "p1", "p2", "cx"}
        assert conn.execute("SELECT count(*) FROM api_call").fetchone()[0] == 23
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no -wal beside it
    finally:
        conn.close()
    assert sorted(p.name for p in d.folder().iterdir()) == [LEDGER, MANIFEST]
    for p in d.folder().iterdir():
        assert p.stat().st_mode & 0o077 == 0, p  # the user's own
    m = read_manifest(d.folder() / MANIFEST)
    assert (m.device_name, m.counts.calls, m.project_paths) == ("laptop", 23, "folder")


@pytest.mark.parametrize("mode", ["full", "hashed"])
def test_project_path_modes(tmp_path: Path, shared: Path, mode: str) -> None:
    d = Device(tmp_path, "laptop", shared, project_paths=mode)
    d.add_calls(10, seed=2)
    d.scan()
    d.sync()
    conn = _published(d)
    try:
        projects = {r[0] for r in conn.execute("SELECT project FROM chat_session")}
    finally:
        conn.close()
    full = {f"/home/laptop/projects/{p}" for p in ("p0", "p1", "p2", "cx")}
    if mode == "full":
        assert projects == full
    else:
        assert projects == {project_label(p, "hashed") for p in full}
        assert all(p.startswith("project-") and len(p) == 24 for p in projects)
        assert b"/home/laptop" not in (d.folder() / LEDGER).read_bytes()


def test_project_labels() -> None:
    assert project_label("/home/u/work/tokenpulse/", "folder") == "tokenpulse"
    assert project_label("C:\\Users\\u\\src\\app", "folder") == "app"
    assert project_label("/", "folder") == "/"
    assert project_label("/a/b", "hashed") == project_label("/a/b", "hashed") != project_label("/a/c", "hashed")


def test_a_scan_stopped_half_way_is_rolled_up_before_publishing(tmp_path: Path, shared: Path) -> None:
    """Calls committed without their rollups (a writer killed in between) are rolled up first: the published
    ledger's charts agree with its calls."""
    d = Device(tmp_path, "laptop", shared)
    d.add_calls(10, seed=3)
    d.scan()
    ws = d.workspace()
    try:
        with ws.conn:
            ws.conn.execute("DELETE FROM usage_rollup")
            ws.conn.execute("UPDATE app_state SET value = '1' WHERE key = 'rollups_pending'")
    finally:
        ws.close()
    assert d.sync().publish_problem is None
    conn = _published(d)
    try:
        assert conn.execute("SELECT sum(calls) FROM usage_rollup").fetchone()[0] == 13
    finally:
        conn.close()


def test_replaced_whole_never_in_place(tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A publish that fails half way (the disk fills while copying) leaves the published files as they were."""
    import os

    d = Device(tmp_path, "laptop", shared)
    d.add_calls(10, seed=4)
    d.scan()
    d.sync()
    before = {p.name: p.read_bytes() for p in d.folder().iterdir()}
    d.add_calls(5, seed=5)
    d.scan()
    real = os.fsync

    def full(fd: int) -> None:
        if str(shared) in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", full)
    problem = d.sync().publish_problem or ""
    assert "full" in problem
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in d.folder().iterdir()} == before


def test_forget_all_deletes_what_syncing_keeps_and_what_this_device_published(
        pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import cli_env, run_cli
    from tokenpulse.config import settings as settings_io

    a, b = pair
    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    mine, theirs = a.folder(), b.folder()
    code, _out, err = run_cli(capsys, "forget", "--all", "--yes")
    assert code == 0, err
    assert not a.data.exists()  # nothing left: the id and the copies of other devices went too
    assert not mine.exists()  # what this device published
    assert sorted(p.name for p in theirs.iterdir()) == [LEDGER, MANIFEST]  # another device's files stay


def test_forget_project_replaces_the_published_ledger(pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import cli_env, run_cli
    from tokenpulse.config import settings as settings_io

    a, b = pair
    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    before = read_manifest(a.folder() / MANIFEST).counts.calls
    code, out, err = run_cli(capsys, "forget", "--project", "/home/laptop/projects/p1", "--yes")
    assert code == 0, err
    assert "was replaced without it" in out
    conn = _published(a)
    try:
        assert conn.execute("SELECT count(*) FROM chat_session WHERE project = 'p1'").fetchone() == (0,)
        after = conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
    finally:
        conn.close()
    assert 0 < after < before and read_manifest(a.folder() / MANIFEST).counts.calls == after
    assert b.sync(publish_too=False).pulled.devices[0].manifest.counts.calls == after
