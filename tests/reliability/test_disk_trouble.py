"""Disk trouble: a read-only data folder, a full disk, a damaged store file.

Full and read-only disks are real when the tests run as root (a small tmpfs, remounted read-only or resized);
otherwise the folder is chmod-ed read-only and SQLite's `max_page_count` makes it report a full disk.
Damaged stores are made by overwriting bytes of the file, as a failing disk or a bad copy would.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_helpers import Tmpfs, can_mount, quick_check, tp_cmd, tp_env

from helpers import (
    claude_line,
    cli_env,
    codex_file,
    codex_tc,
    codex_turn,
    make_workspace,
    run_cli,
    totals,
    usage,
    write_lines,
)

MOUNTABLE = can_mount()


def _logs(root: Path, files: int = 6, per_file: int = 40, prefix: str = "") -> None:
    for f in range(files):
        write_lines(root / f"claude/projects/-p{f % 3}/{prefix}s{f}.jsonl",
                    [claude_line(msg_id=f"{prefix}m{f}-{k}", req_id=f"{prefix}r{f}-{k}", output=k + 1,
                                 session=f"{prefix}sess{f}", cwd=f"/home/u/p{f % 3}",
                                 ts=f"2026-03-0{1 + k % 5}T10:00:00.000Z") for k in range(per_file)])
    write_lines(codex_file(root / "codex"), [codex_turn("2026-03-01T10:00:00Z"),
                                             codex_tc("2026-03-01T10:00:01Z", usage(100, 0, 10), usage(100, 0, 10)),
                                             codex_tc("2026-03-01T10:00:02Z", usage(300, 0, 30), usage(200, 0, 20))])


def _clean_totals(tmp_path: Path) -> dict[str, int]:
    ws = make_workspace(tmp_path / "clean", claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        ws.scan()
        return totals(ws.conn)
    finally:
        ws.close()


def _one_plain_line(code: int, err: str) -> None:
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# Read-only data folder
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def data_disk(tmp_path: Path) -> Iterator[Tmpfs | None]:
    """A tmpfs for the data folder when we may mount one (root), else None (plain folder + chmod)."""
    if not MOUNTABLE:
        yield None
        return
    fs = Tmpfs(tmp_path / "data", 8 * 1024)
    try:
        yield fs
    finally:
        fs.close()


def _make_read_only(data: Path, disk: Tmpfs | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if disk is not None:
        disk.readonly()
    elif os.geteuid() != 0:
        data.chmod(0o500)
    else:  # root without mount rights ignores modes: make the folder look read-only to the access check
        real = os.access

        def access(path, mode, *a, **k):  # type: ignore[no-untyped-def]
            if Path(path) == data and mode & os.W_OK:
                return False
            return real(path, mode, *a, **k)

        monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize("existing", [False, True], ids=["new-store", "existing-store"])
def test_read_only_data_folder_is_one_plain_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], data_disk: Tmpfs | None,
                                                 existing: bool) -> None:
    _logs(tmp_path)
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    data.mkdir(exist_ok=True, mode=0o700)
    before = b""
    if existing:
        assert run_cli(capsys, "scan")[0] == 0
        before = (data / "tokenpulse.sqlite3").read_bytes()
    _make_read_only(data, data_disk, monkeypatch)
    try:
        for command in (("daily", "--json"), ("scan",), ("status", "--no-scan")):
            code, _, err = run_cli(capsys, *command)
            _one_plain_line(code, err)
            assert "not writable" in err or "read-only" in err, err
            assert str(data) in err
    finally:
        if data_disk is None:
            data.chmod(0o700)
        else:
            data_disk.readonly(False)
    if existing:
        assert (data / "tokenpulse.sqlite3").read_bytes() == before


def test_the_app_in_a_read_only_data_folder_says_so_and_exits_non_zero(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        data_disk: Tmpfs | None, qapp) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.config.paths import resolve
    from tokenpulse.gui.launch import run_app

    data = cli_env(monkeypatch, tmp_path)
    data.mkdir(exist_ok=True, mode=0o700)
    (data / "app.lock").write_text("")  # left by an earlier run: opening it would work, writing the folder not
    _make_read_only(data, data_disk, monkeypatch)
    try:
        code = run_app(resolve(data), no_tray=True, background=True)
    finally:
        if data_disk is None:
            data.chmod(0o700)
        else:
            data_disk.readonly(False)
    err = capsys.readouterr().err
    assert code != 0
    assert "already running" not in err
    assert err == (f"tokenpulse: the data folder {data} is not writable (it may be on a read-only disk); tokenpulse"
                   " needs to write its store there: make it writable, or choose another folder with"
                   " TOKENPULSE_HOME or --data-dir\n")


# ---------------------------------------------------------------------------------------------
# Full disk
# ---------------------------------------------------------------------------------------------

def _fill_limit(ws, disk: Tmpfs | None) -> None:  # type: ignore[no-untyped-def]
    """Make the store's disk full from now on: shrink the tmpfs to what is used, or cap SQLite's pages."""
    if disk is not None:
        used = sum(f.stat().st_size for f in disk.path.iterdir() if f.is_file())
        disk.resize(max(used // 1024 + 8, 64))
    else:
        pages = ws.conn.execute("PRAGMA page_count").fetchone()[0]
        ws.conn.execute(f"PRAGMA max_page_count={pages + 2}")


def _make_room(ws, disk: Tmpfs | None) -> None:  # type: ignore[no-untyped-def]
    if disk is not None:
        disk.resize(64 * 1024)
    else:
        ws.conn.execute("PRAGMA max_page_count=1073741823")


def test_disk_full_during_a_scan_loses_nothing(tmp_path: Path, data_disk: Tmpfs | None) -> None:
    """Each file's calls and cursor commit together: a full disk stops the scan, the store stays consistent, and
    once there is room again the next scan reads exactly what is missing."""
    from tokenpulse.store.damage import plain_words

    write_lines(tmp_path / "claude/projects/-p0/first.jsonl", [claude_line(msg_id="f1", req_id="f1", output=1)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex", data=tmp_path / "data")
    try:
        ws.scan()
        _logs(tmp_path, files=30, per_file=300)
        _fill_limit(ws, data_disk)
        with pytest.raises(sqlite3.OperationalError) as info:
            ws.scan()
        message = plain_words(info.value, ws.paths.database)
        assert "full" in message and "Traceback" not in message
        assert ws.conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        stored = totals(ws.conn)["calls"]
        assert 1 <= stored < 1 + 30 * 300 + 2
        # every cursor that advanced has its calls: no file is marked read without them
        for path, offset in ws.conn.execute("SELECT path, \"offset\" FROM source_file"):
            if offset and "first" not in path and "codex" not in path:
                n = int(Path(path).stem[1:])
                have = ws.conn.execute("SELECT count(*) FROM api_call a JOIN chat_session s ON s.id = a.session_id"
                                       " WHERE s.session_key = ?", (f"sess{n}",)).fetchone()[0]
                assert have == 300, path
        _make_room(ws, data_disk)
        ws.scan()
        assert totals(ws.conn) == _clean_totals(tmp_path)
    finally:
        ws.close()


def test_disk_full_when_creating_the_store_is_one_plain_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _logs(tmp_path)
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    if MOUNTABLE:
        disk = Tmpfs(data, 12)  # smaller than an empty store with its schema
    else:
        import tokenpulse.store.db as db

        real = db._create

        def full(path: Path) -> None:
            real(path)
            path.unlink()
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(db, "_create", full)
        disk = None
    try:
        code, _, err = run_cli(capsys, "daily", "--json")
        _one_plain_line(code, err)
        assert "full" in err, err
        assert not list(data.glob("tokenpulse.sqlite3*new*"))
    finally:
        if disk is not None:
            disk.close()


def test_disk_full_during_cli_scan_is_one_plain_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import tokenpulse.store.db as db

    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    write_lines(tmp_path / "claude/projects/-p0/first.jsonl", [claude_line(msg_id="f1", req_id="f1", output=1)])
    assert run_cli(capsys, "scan")[0] == 0
    _logs(tmp_path, files=30, per_file=300)
    real = db.connect

    def capped(path: Path, **kw):  # type: ignore[no-untyped-def]
        conn = real(path, **kw)
        conn.execute(f"PRAGMA max_page_count={conn.execute('PRAGMA page_count').fetchone()[0] + 2}")
        return conn

    monkeypatch.setattr("tokenpulse.workspace.connect", capped)
    code, _, err = run_cli(capsys, "scan")
    _one_plain_line(code, err)
    assert "full" in err and str(data) in err


# ---------------------------------------------------------------------------------------------
# Damaged store
# ---------------------------------------------------------------------------------------------

def _root_page(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        conn.close()


def _corrupt(db: Path, kind: str) -> None:
    data = bytearray(db.read_bytes())
    if kind == "header":
        data[:100] = os.urandom(100)
    elif kind == "schema-page":
        data[100:4096] = b"\xa5" * (4096 - 100)
    elif kind == "zeros":
        data[:] = bytes(len(data))
    elif kind == "truncated":
        del data[len(data) // 2 + 123:]
    elif kind == "calls-table":
        page = _root_page(db, "api_call")
        data[(page - 1) * 4096:page * 4096] = os.urandom(4096)
    else:
        raise AssertionError(kind)
    db.write_bytes(bytes(data))


def _scanned_store(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        ws.scan()
    finally:
        ws.close()
    return ws.paths.database


@pytest.mark.parametrize("kind", ["header", "schema-page", "zeros", "truncated"])
def test_damaged_store_is_moved_aside_and_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], kind: str) -> None:
    from tokenpulse.store.notice import take_notice

    _logs(tmp_path)
    clean = _clean_totals(tmp_path)
    db = _scanned_store(tmp_path)
    _corrupt(db, kind)
    damaged = db.read_bytes()
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex", data=db.parent)
    code, out, err = run_cli(capsys, "daily", "--json", "--tz", "UTC")
    assert code == 0, err
    assert "Traceback" not in err
    kept = list(db.parent.glob("tokenpulse.sqlite3.corrupt-*"))
    assert [k.read_bytes() for k in kept if not k.name.endswith(("-wal", "-shm"))] == [damaged]  # kept as it was
    assert all(k.stat().st_mode & 0o077 == 0 for k in kept)
    conn = sqlite3.connect(db)
    try:
        assert totals(conn) == clean
    finally:
        conn.close()
    notice = " ".join(err.split())  # the CLI prints the notice once, on stderr
    assert "damaged" in notice and "moved aside" in notice and "could not be recovered" in notice
    assert take_notice(db.parent) == []  # and it is gone: shown once
    code, _, err = run_cli(capsys, "daily", "--json")
    assert code == 0 and len(list(db.parent.glob("tokenpulse.sqlite3.corrupt-*"))) == len(kept)


def test_damage_met_while_running_is_recovered_at_the_next_open(tmp_path: Path) -> None:
    """Damage deep in a table is only seen when a query reads it: the error marks the store, and the next
    open confirms it with quick_check and rebuilds."""
    from tokenpulse.store import damage
    from tokenpulse.store.db import connect

    _logs(tmp_path, files=6, per_file=400)
    clean = _clean_totals(tmp_path)
    db = _scanned_store(tmp_path)
    _corrupt(db, "calls-table")
    conn = connect(db)  # the header and schema are fine
    with pytest.raises(sqlite3.DatabaseError) as info:
        conn.execute("SELECT sum(output) FROM api_call").fetchone()
    conn.close()
    message = damage.after_error(db, info.value)
    assert "damaged" in message and "Traceback" not in message
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        ws.scan()
        assert totals(ws.conn) == clean
    finally:
        ws.close()
    assert len(list(db.parent.glob("tokenpulse.sqlite3.corrupt-*"))) == 1
    assert not db.with_name(db.name + ".damaged").exists()


def test_false_alarm_mark_keeps_a_good_store(tmp_path: Path) -> None:
    from tokenpulse.store import damage
    from tokenpulse.store.db import connect

    _logs(tmp_path)
    db = _scanned_store(tmp_path)
    damage.after_error(db, sqlite3.DatabaseError("database disk image is malformed"))
    connect(db).close()
    assert not list(db.parent.glob("*.corrupt-*"))
    assert not db.with_name(db.name + ".damaged").exists()


def test_pruned_logs_are_lost_without_a_backup_and_kept_with_one(tmp_path: Path) -> None:
    """The promise and its limit: a rebuild can only read logs that still exist; the daily backup keeps the rest."""
    from tokenpulse.store.backup import backup_if_due
    from tokenpulse.store.notice import take_notice

    _logs(tmp_path)
    everything = _clean_totals(tmp_path)
    db = _scanned_store(tmp_path)
    backups = db.parent / "backups"
    assert backup_if_due(db, backups, 1_780_000_000_000) is not None
    write_lines(tmp_path / "claude/projects/-p0/s0.jsonl", [claude_line(msg_id="late", req_id="late", output=500,
                                                                       session="sess0")], mode="a")
    _scanned_store(tmp_path)
    pruned = tmp_path / "claude/projects/-p1/s1.jsonl"
    pruned_calls = 40
    pruned.unlink()  # Claude Code's 30-day clean-up
    _corrupt(db, "header")
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        ws.scan()
        with_backup = totals(ws.conn)
    finally:
        ws.close()
    assert with_backup["calls"] == everything["calls"] + 1  # nothing lost, the late call included
    notice = " ".join(take_notice(db.parent))
    assert "backup" in notice and "could be missing" in notice

    shutil.rmtree(backups)  # the same accident without a backup
    _corrupt(db, "header")
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        ws.scan()
        without = totals(ws.conn)
    finally:
        ws.close()
    assert without["calls"] == everything["calls"] + 1 - pruned_calls
    assert "could not be recovered" in " ".join(take_notice(db.parent))
    assert len(list(db.parent.glob("tokenpulse.sqlite3.corrupt-*[0-9Z]"))) == 2  # both damaged copies kept


def test_two_processes_meeting_the_same_damage_recover_once(tmp_path: Path) -> None:
    _logs(tmp_path)
    db = _scanned_store(tmp_path)
    _corrupt(db, "header")
    env = tp_env(tmp_path, db.parent, tmp_path / "claude", tmp_path / "codex")
    results: list[subprocess.CompletedProcess[str]] = []
    gate = threading.Barrier(3)

    def run() -> None:
        gate.wait()
        results.append(subprocess.run(tp_cmd("daily", "--json", "--tz", "UTC"), env=env, capture_output=True,
                                      text=True, timeout=120))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    assert len([p for p in db.parent.glob("tokenpulse.sqlite3.corrupt-*") if p.name[-1] in "Z0123456789"]) == 1
    assert quick_check(db) == [("ok",)]


def test_garbage_write_ahead_log_is_not_mistaken_for_damage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _logs(tmp_path)
    clean = _clean_totals(tmp_path)
    db = _scanned_store(tmp_path)
    db.with_name(db.name + "-wal").write_bytes(os.urandom(50_000))
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex", data=db.parent)
    code, _, err = run_cli(capsys, "daily", "--json")
    assert code == 0, err
    assert not list(db.parent.glob("*.corrupt-*"))
    conn = sqlite3.connect(db)
    try:
        assert totals(conn) == clean
    finally:
        conn.close()


def test_cli_tells_the_user_about_a_rebuilt_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _logs(tmp_path)
    db = _scanned_store(tmp_path)
    _corrupt(db, "header")
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex", data=db.parent)
    code, _, err = run_cli(capsys, "daily", "--json")
    assert code == 0
    assert "damaged" in err and "moved aside" in err and "could not be recovered" in err


def test_a_store_damaged_in_many_places_is_told_in_one_line_with_the_findings_in_the_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import random

    _logs(tmp_path, files=12, per_file=200)
    db = _scanned_store(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file, where the damage goes
    calls_pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'api_call'")]
    conn.close()
    data = bytearray(db.read_bytes())
    rng = random.Random(7)
    for page in calls_pages:  # scribble over the cell pointers of a third of the calls table's pages
        if rng.random() < 0.33:
            start = (page - 1) * 4096 + 8
            data[start:start + 200] = rng.randbytes(200)
    db.write_bytes(bytes(data))
    conn = sqlite3.connect(db)
    findings = conn.execute("PRAGMA quick_check").fetchall()
    conn.close()
    assert sum(len(row[0].splitlines()) for row in findings) > 20  # SQLite has a lot to say about it
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex", data=db.parent)
    caplog.set_level(logging.WARNING, logger="tokenpulse.store.recovery")
    errors = []
    for _ in range(3):  # damage met by a query marks the store; the next start moves it aside and rebuilds
        code, _, err = run_cli(capsys, "daily", "--json")
        errors.append(err)
        assert len(err.splitlines()) <= 1 and "Traceback" not in err, err
        if code == 0:
            break
    assert code == 0
    notice = next(e for e in errors if "moved aside" in e)
    assert notice.startswith(f"tokenpulse: the store {db} was damaged (") and "more problems" in notice
    logged = [r.getMessage() for r in caplog.records if r.name == "tokenpulse.store.recovery"]
    assert len(logged) == 1 and "\n" not in logged[0] and logged[0].count(" | ") > 20  # the details, in the log


class _RolledBackOnFull:
    """A connection whose cursor write fails as SQLite may fail on a full disk: the transaction is already gone."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args):  # type: ignore[no-untyped-def]
        if sql.lstrip().startswith("INSERT INTO source_file"):
            self._conn.execute("ROLLBACK")  # SQLite rolls back by itself after SQLITE_FULL, SQLITE_IOERR, ...
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._conn, name)


def test_ledger_reports_the_real_error_when_sqlite_already_rolled_back(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.ledger import Cursor, Ledger

    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")
    try:
        ledger = Ledger(_RolledBackOnFull(conn))  # type: ignore[arg-type]
        with pytest.raises(sqlite3.OperationalError) as info:
            ledger.commit_file(Cursor("claude-code", "/x.jsonl", offset=10), [], 0)
        assert "full" in str(info.value)
        assert not conn.in_transaction
    finally:
        conn.close()
