"""Schema migrations: head revision, empty and populated stores, schema = models, safe failure, permissions."""

from __future__ import annotations

import gc
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, make_workspace, run_cli, table_dump, totals, write_lines


def _populate(tmp_path: Path) -> Path:
    write_lines(tmp_path / "claude/projects/p/s.jsonl",
                [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i) for i in range(1, 6)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
    finally:
        ws.close()
    return ws.paths.database


def _revision(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def test_script_head_matches_code() -> None:
    from tokenpulse.store.migrate import script_head
    from tokenpulse.store.schema_version import HEAD_REVISION

    assert script_head() == HEAD_REVISION


def test_migrate_empty_database(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.schema_version import HEAD_REVISION

    db = tmp_path / "data" / "tokenpulse.sqlite3"
    conn = connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert {"source_file", "chat_session", "api_call", "model_price", "alembic_version"} <= tables
    assert _revision(db) == HEAD_REVISION


def test_migrate_zero_byte_file(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.schema_version import HEAD_REVISION

    db = tmp_path / "data" / "tokenpulse.sqlite3"
    db.parent.mkdir()
    db.touch()
    connect(db).close()
    assert _revision(db) == HEAD_REVISION


def test_migrate_populated_database_keeps_data(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.migrate import upgrade_to_head
    from tokenpulse.store.schema_version import HEAD_REVISION

    db = _populate(tmp_path)
    conn = connect(db)
    before = table_dump(conn)
    conn.close()
    assert len(before) == 5
    upgrade_to_head(db)
    assert _revision(db) == HEAD_REVISION
    conn = connect(db)
    try:
        assert table_dump(conn) == before
        assert totals(conn)["output"] == 15
    finally:
        conn.close()
    assert not db.with_name(db.name + ".pre-migration").exists()


def test_alembic_schema_matches_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import tokenpulse.store.tables  # noqa: F401
    from tokenpulse.store.migrate import upgrade_to_head

    db = tmp_path / "tokenpulse.sqlite3"
    upgrade_to_head(db)  # the schema exactly as alembic builds it
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            mc = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            diff = compare_metadata(mc, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_migrating_an_empty_file_with_alembic(tmp_path: Path) -> None:
    from tokenpulse.store.migrate import upgrade_to_head
    from tokenpulse.store.schema_version import HEAD_REVISION

    db = tmp_path / "empty.sqlite3"
    db.touch()
    upgrade_to_head(db)
    assert _revision(db) == HEAD_REVISION


def test_new_store_schema_equals_migrated_schema(tmp_path: Path) -> None:
    """However `connect` builds a brand-new store, it must be the schema the migrations build (compared by
    structure: the DDL text of a table rebuilt by a migration is spelt differently)."""
    from test_schema_source import _structure

    from tokenpulse.store.db import connect
    from tokenpulse.store.migrate import upgrade_to_head

    fresh = tmp_path / "a" / "tokenpulse.sqlite3"
    connect(fresh).close()
    migrated = tmp_path / "b.sqlite3"
    upgrade_to_head(migrated)
    assert _structure(fresh) == _structure(migrated)
    assert _revision(fresh) == _revision(migrated)


def _needs_migration(db: Path) -> None:
    """Pretend the file was written by an older schema so that opening it runs the upgrade."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("UPDATE alembic_version SET version_num = '0000_older'")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _fail_after_writing(monkeypatch: pytest.MonkeyPatch, db: Path, keep_open: list[sqlite3.Connection]) -> None:
    import alembic.command

    def upgrade(config, revision, **kw):  # type: ignore[no-untyped-def]
        # a migration writes to the file it was given (the store itself, or the copy being upgraded)
        target = config.get_main_option("sqlalchemy.url").removeprefix("sqlite:///")
        conn = sqlite3.connect(target)
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        conn.execute("INSERT INTO half_done VALUES (1)")
        conn.execute("DELETE FROM api_call")
        conn.commit()
        conn.close()
        raise RuntimeError("simulated failure in the middle of a migration")

    monkeypatch.setattr(alembic.command, "upgrade", upgrade)


def test_failed_migration_leaves_old_file_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenpulse.store.migrate import MigrationError, upgrade_to_head

    db = _populate(tmp_path)
    _needs_migration(db)
    original = db.read_bytes()
    _fail_after_writing(monkeypatch, db, [])
    with pytest.raises(MigrationError):
        upgrade_to_head(db)
    gc.collect()
    assert db.read_bytes() == original
    assert not db.with_name(db.name + ".pre-migration").exists()
    # and once the bug is fixed the same file opens with all its calls
    monkeypatch.undo()
    from tokenpulse.store.db import connect

    _revision_fix(db)
    conn = connect(db)
    try:
        assert totals(conn)["calls"] == 5
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    finally:
        conn.close()


def _revision_fix(db: Path) -> None:
    from tokenpulse.store.schema_version import HEAD_REVISION

    conn = sqlite3.connect(db)
    try:
        conn.execute("UPDATE alembic_version SET version_num = ?", (HEAD_REVISION,))
        conn.commit()
    finally:
        conn.close()


def test_failed_migration_via_connect_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a store whose upgrade fails raises StoreError (the CLI and app report StoreError in one line)."""
    from tokenpulse.store.db import StoreError, connect

    db = _populate(tmp_path)
    _needs_migration(db)
    original = db.read_bytes()
    _fail_after_writing(monkeypatch, db, [])
    with pytest.raises(StoreError):
        connect(db)
    gc.collect()
    assert db.read_bytes() == original


def test_failed_migration_cli_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = _populate(tmp_path)
    _needs_migration(db)
    original = db.read_bytes()
    _fail_after_writing(monkeypatch, db, [])
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", data=db.parent)
    code, out, err = run_cli(capsys, "daily", "--json")
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert db.read_bytes() == original


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_file_0600_and_data_folder_0700(tmp_path: Path) -> None:
    old = os.umask(0)  # permissive umask: the code must not rely on the user's umask
    try:
        ws = make_workspace(tmp_path, data=tmp_path / "deep" / "data")
        try:
            ws.scan()
            wal = ws.paths.database.with_name(ws.paths.database.name + "-wal")
            if wal.exists():
                assert _mode(wal) & 0o077 == 0, oct(_mode(wal))
        finally:
            ws.close()
    finally:
        os.umask(old)
    assert _mode(tmp_path / "deep" / "data") == 0o700
    assert _mode(ws.paths.database) == 0o600
    assert _mode(ws.paths.scan_lock) & 0o077 == 0
