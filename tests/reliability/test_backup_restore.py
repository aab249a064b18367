"""Daily backups of the store (sqlite3 online backup API, last 7 kept, 0600/0700) and restoring one."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from rel_helpers import Tmpfs, can_mount

from helpers import claude_line, make_workspace, table_dump, totals, write_lines

DAY = 86_400_000
T0 = 1_780_000_000_000  # 2026-05-28 (UTC), a fixed "now"


def _logs(root: Path, n: int = 30, prefix: str = "m") -> Path:
    return write_lines(root / "claude/projects/-p/s.jsonl",
                       [claude_line(msg_id=f"{prefix}{i}", req_id=f"r{prefix}{i}", output=i + 1) for i in range(n)])


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    _logs(tmp_path)
    w = make_workspace(tmp_path, claude=tmp_path / "claude")
    w.scan()
    yield w
    w.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _dump(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return table_dump(conn)
    finally:
        conn.close()


def test_one_backup_per_utc_day_keep_seven(ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import KEEP, backup_if_due, list_backups

    db, folder = ws.paths.database, ws.paths.backups_dir
    assert folder == db.parent / "backups"
    first = backup_if_due(db, folder, T0)
    assert first is not None and first.parent == folder
    assert backup_if_due(db, folder, T0 + 60_000) is None  # same day: not due
    made = [first]
    for day in range(1, 10):
        made.append(backup_if_due(db, folder, T0 + day * DAY))
    assert all(made)
    kept = list_backups(folder)
    assert len(kept) == KEEP == 7
    assert [b.path for b in kept] == made[-7:]  # the newest seven, oldest first
    assert kept[-1].taken_ms == T0 + 9 * DAY // 1000 * 1000


def test_backups_are_private_even_with_a_permissive_umask(ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import backup_if_due

    folder = ws.paths.backups_dir
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # left too open by someone: tightened
    old = os.umask(0)
    try:
        made = backup_if_due(ws.paths.database, folder, T0)
    finally:
        os.umask(old)
    assert made is not None
    assert _mode(folder) == 0o700
    assert _mode(made) == 0o600
    assert sorted(os.listdir(folder)) == [made.name]  # no journal or temporary file beside it


def test_backup_is_a_consistent_standalone_copy(ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import backup_if_due, verify

    made = backup_if_due(ws.paths.database, ws.paths.backups_dir, T0)
    assert made is not None
    assert verify(made) is None
    assert _dump(made) == table_dump(ws.conn)
    conn = sqlite3.connect(made)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # needs no -wal beside it
    finally:
        conn.close()


def test_backup_while_a_scan_writes(tmp_path: Path) -> None:
    """The backup is a snapshot of committed data: taken during a scan it holds whole files, never half of one."""
    from tokenpulse.store.backup import make_backup

    for f in range(20):
        write_lines(tmp_path / f"claude/projects/-p/s{f}.jsonl",
                    [claude_line(msg_id=f"m{f}-{i}", req_id=f"r{f}-{i}", output=1, session=f"s{f}")
                     for i in range(200)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        worker = threading.Thread(target=ws.scan)
        worker.start()
        copies = []
        n = 0
        while worker.is_alive() or n == 0:
            copies.append(make_backup(ws.paths.database, tmp_path / "bk", T0 + n * 1000))
            n += 1
        worker.join()
        for copy in copies:
            conn = sqlite3.connect(copy)
            try:
                per_file = [r[0] for r in conn.execute("SELECT count(*) FROM api_call GROUP BY session_id")]
            finally:
                conn.close()
            assert all(c == 200 for c in per_file), per_file
    finally:
        ws.close()


def test_clock_set_back_still_backs_up_and_keeps_the_newest(ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import backup_if_due, list_backups

    db, folder = ws.paths.database, ws.paths.backups_dir
    assert backup_if_due(db, folder, T0 + 30 * DAY)  # a clock once far ahead left a backup "in the future"
    assert backup_if_due(db, folder, T0) is not None  # today's still happens
    assert backup_if_due(db, folder, T0 + 1000) is None
    assert len(list_backups(folder)) == 2


def test_backup_of_a_damaged_store_is_refused_and_older_ones_kept(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import BackupError, backup_if_due, list_backups
    from tokenpulse.store.damage import marked_damaged

    db, folder = ws.paths.database, ws.paths.backups_dir
    good = backup_if_due(db, folder, T0)
    ws.close()
    page = sqlite3.connect(db).execute("SELECT rootpage FROM sqlite_master WHERE name = 'api_call'").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[(page - 1) * 4096:page * 4096] = b"\x5a" * 4096
    db.write_bytes(bytes(data))
    with pytest.raises(BackupError) as info:
        backup_if_due(db, folder, T0 + DAY)
    assert info.value.corrupt_source
    assert "integrity" in str(info.value)
    assert [b.path for b in list_backups(folder)] == [good]
    assert marked_damaged(db) is not None  # the next open recovers, starting from `good`
    ws2 = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        assert totals(ws2.conn)["calls"] == 30  # restored from the backup before any scan
    finally:
        ws2.close()
    ws.conn = sqlite3.connect(":memory:")  # the fixture closes it again


def test_disk_full_during_backup_keeps_older_backups(ws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store import backup as bk

    db = ws.paths.database
    if can_mount():
        disk = Tmpfs(tmp_path / "bdisk", 256)
        folder = disk.path / "backups"
        filler = disk.path / "filler"
    else:
        disk, folder, filler = None, tmp_path / "backups", None
    try:
        old = bk.backup_if_due(db, folder, T0)
        assert old is not None
        if filler is not None:
            free = os.statvfs(disk.path).f_bavail * os.statvfs(disk.path).f_frsize  # type: ignore[union-attr]
            filler.write_bytes(b"\0" * max(free - 8192, 0))
        else:
            real = bk._snapshot

            def full(src: Path, dst: Path) -> None:
                dst.write_bytes(b"partial")
                raise OSError(28, "No space left on device", str(dst))

            monkeypatch.setattr(bk, "_snapshot", full)
        with pytest.raises(bk.BackupError) as info:
            bk.backup_if_due(db, folder, T0 + DAY)
        assert "full" in str(info.value), str(info.value)
        assert [b.path for b in bk.list_backups(folder)] == [old]
        assert sorted(p.name for p in folder.iterdir()) == [old.name]  # no partial file left
        assert bk.verify(old) is None
        if filler is None:
            monkeypatch.setattr(bk, "_snapshot", real)
    finally:
        if disk is not None:
            disk.close()


def test_list_and_verify_ignore_foreign_and_damaged_files(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import backup_if_due, list_backups, verify

    folder = ws.paths.backups_dir
    made = backup_if_due(ws.paths.database, folder, T0)
    (folder / "notes.txt").write_text("mine")
    (folder / "tokenpulse-garbage.sqlite3").write_text("x")
    assert [b.path for b in list_backups(folder)] == [made]
    bad = folder / "tokenpulse-20260101T000000Z.sqlite3"
    bad.write_bytes(b"SQLite format 3\0" + os.urandom(8000))
    assert verify(bad) is not None
    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    assert "schema" in (verify(foreign) or "")


def test_restore_brings_back_the_backup_and_saves_the_current_store(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import backup_if_due, list_backups, restore, verify

    db = ws.paths.database
    backup_if_due(db, ws.paths.backups_dir, T0)
    at_backup = table_dump(ws.conn)
    write_lines(tmp_path / "claude/projects/-p/s.jsonl", [claude_line(msg_id="late", req_id="late", output=99)],
                mode="a")
    ws.scan()
    current = table_dump(ws.conn)
    assert len(current) == len(at_backup) + 1
    report = restore(db, list_backups(ws.paths.backups_dir)[-1], now_ms=T0 + DAY)
    assert table_dump(ws.conn) == at_backup  # an open connection sees the restored content
    assert report.saved_current_to is not None and _mode(report.saved_current_to) == 0o600
    assert verify(report.saved_current_to) is None and _dump(report.saved_current_to) == current
    assert "before" in " ".join(report.lines())
    # the logs still hold the late call: the next scan brings it back, nothing counted twice
    ws.scan()
    assert table_dump(ws.conn) == current


def test_restore_then_rescan_equals_a_clean_run(tmp_path: Path) -> None:
    from tokenpulse.store.backup import make_backup, restore

    _logs(tmp_path, 50)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        copy = make_backup(ws.paths.database, ws.paths.backups_dir, T0)
        for k in range(3):
            write_lines(tmp_path / f"claude/projects/-p/t{k}.jsonl",
                        [claude_line(msg_id=f"t{k}-{i}", req_id=f"t{k}-{i}", output=i, session=f"t{k}")
                         for i in range(20)])
            ws.scan()
        restore(ws.paths.database, copy)
        ws.scan()
        got = totals(ws.conn)
    finally:
        ws.close()
    clean = make_workspace(tmp_path / "clean", claude=tmp_path / "claude")
    try:
        clean.scan()
        assert got == totals(clean.conn)
    finally:
        clean.close()


def test_restore_of_a_bad_backup_leaves_the_store_alone(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import BackupError, restore

    before = table_dump(ws.conn)
    bad = tmp_path / "tokenpulse-20260101T000000Z.sqlite3"
    bad.write_bytes(b"not a database at all" * 300)
    with pytest.raises(BackupError):
        restore(ws.paths.database, bad)
    assert table_dump(ws.conn) == before
    assert not list(ws.paths.database.parent.glob("*.before-restore-*"))


def test_restore_into_a_damaged_store_moves_it_aside(ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import make_backup, restore
    from tokenpulse.store.db import connect

    db = ws.paths.database
    copy = make_backup(db, ws.paths.backups_dir, T0)
    expected = table_dump(ws.conn)
    ws.close()
    db.write_bytes(b"\0" * 8192)
    report = restore(db, copy)
    assert report.saved_current_to is not None and ".corrupt-" in report.saved_current_to.name
    conn = connect(db)
    try:
        assert table_dump(conn) == expected
    finally:
        conn.close()
    ws.conn = sqlite3.connect(":memory:")


def test_restore_of_an_older_schema_backup_upgrades_it(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from tokenpulse.store.backup import make_backup, restore
    from tokenpulse.store.db import connect
    from tokenpulse.store.migrate import _config
    from tokenpulse.store.schema_version import HEAD_REVISION

    copy = make_backup(ws.paths.database, tmp_path / "old", T0)
    command.downgrade(_config(copy), "0001_initial")  # as a backup made by the first release would be
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001_initial"
    conn.close()
    expected = table_dump(ws.conn)
    restore(ws.paths.database, copy)
    conn = connect(ws.paths.database)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD_REVISION
        assert table_dump(conn) == expected
    finally:
        conn.close()
