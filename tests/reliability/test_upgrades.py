"""Upgrades from every released schema, with a populated store; failed or interrupted upgrades keep the old store.

`tests/store/test_migrations.py` covers the head revision, empty files and a patched `alembic.command.upgrade`
that fails; here every older revision is built for real (alembic, then rows as an old release stored them),
and failures come from real migration scripts added to a copy of the migrations folder.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from rel_helpers import tp_cmd, tp_env

from helpers import claude_line, codex_file, codex_tc, codex_turn, make_workspace, samples, usage, write_lines

BASE_TABLES = ("source_file", "chat_session", "api_call", "model_price")  # written by the scan itself
# What scans observed over time (source health): a store upgraded from before it starts from a seed taken from
# its calls, so only the columns the calls decide are compared (the newest call of each source)
OBSERVED_TABLES = ("source_health",)


def _revisions() -> list[str]:
    """Every revision, oldest first (0001_initial ... head); a new one is picked up without editing this file."""
    from alembic.script import ScriptDirectory

    from tokenpulse.store.migrate import _config

    script = ScriptDirectory.from_config(_config(Path("unused.sqlite3")))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


OLD_REVISIONS = _revisions()[:-1]


@pytest.fixture(scope="module")
def head_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store at head filled from the shared samples plus Codex and sub-agent lines of our own."""
    root = tmp_path_factory.mktemp("head")
    codex = root / "codex"
    shutil.copytree(samples("codex"), codex / "sessions/2026/01/01", ignore=shutil.ignore_patterns("*.md"))
    write_lines(codex_file(codex), [codex_turn("2026-03-01T10:00:00Z"),
                                    codex_tc("2026-03-01T10:00:01Z", usage(100, 20, 10), usage(100, 20, 10))])
    claude = root / "claude"
    shutil.copytree(samples("claude-code") / "projects", claude / "projects")
    write_lines(claude / "projects/-home-u-proj/s.jsonl",
                [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i, sidechain=i % 3 == 0, agent_id="a1")
                 for i in range(1, 30)])
    ws = make_workspace(root, claude=claude, codex=codex)
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0] > 300
    finally:
        ws.close()
    return ws.paths.database


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                       " AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version' ORDER BY name")]


def _columns(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    finally:
        conn.close()


def _dump(db: Path, tables: list[str] | tuple[str, ...] | None = None,
          like: Path | None = None) -> dict[str, list[tuple[object, ...]]]:
    """Every row of these tables; with `like`, only the columns that store's table has (a column dropped on
    purpose by a later revision, such as 0005's branch names, is left out of the comparison)."""
    conn = sqlite3.connect(db)
    try:
        chosen = _tables(conn) if tables is None else tables
        out = {}
        for table in chosen:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            if like is not None:
                keep = set(_columns(like, table))
                cols = [c for c in cols if c in keep]
            order = ", ".join(f'"{c}"' for c in cols)
            out[table] = conn.execute(f'SELECT {order} FROM "{table}" ORDER BY {order}').fetchall()
        return out
    finally:
        conn.close()


def _derived(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows for table, rows in _dump(db).items() if table not in OBSERVED_TABLES}


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _old_store(head_db: Path, revision: str, target: Path) -> Path:
    """A store at `revision` holding the head store's rows, as the release that had that schema wrote them."""
    from alembic import command

    from tokenpulse.store.migrate import _config

    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    command.upgrade(_config(target), revision)
    src, dst = sqlite3.connect(head_db), sqlite3.connect(target)
    try:
        for table in _tables(dst):
            cols = [r[1] for r in dst.execute(f'PRAGMA table_info("{table}")')]
            have = {r[1] for r in src.execute(f'PRAGMA table_info("{table}")')}
            common = [c for c in cols if c in have]
            names = ", ".join(f'"{c}"' for c in common)
            rows = src.execute(f'SELECT {names} FROM "{table}"').fetchall()
            dst.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(common))})', rows)
        dst.commit()
        dst.execute("PRAGMA journal_mode=WAL")  # as `connect` left it
    finally:
        src.close()
        dst.close()
    return target


def _revision(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def _workspace_on(db: Path, root: Path):  # type: ignore[no-untyped-def]
    from tokenpulse.config.paths import AppPaths
    from tokenpulse.workspace import Workspace

    return Workspace(AppPaths(db.parent, db.parent), env={"CLAUDE_CONFIG_DIR": str(root / "claude"),
                                                          "CODEX_HOME": str(root / "codex")},
                     home=root / "nohome")


@pytest.mark.parametrize("revision", OLD_REVISIONS)
def test_upgrade_from_every_released_schema_keeps_every_call(head_store: Path, tmp_path: Path,
                                                             revision: str) -> None:
    from tokenpulse.store.schema_version import HEAD_REVISION

    old = _old_store(head_store, revision, tmp_path / "data" / "tokenpulse.sqlite3")
    assert _revision(old) == revision
    before = _dump(old, like=head_store)
    ws = _workspace_on(old, head_store.parent.parent)  # upgrades; the first scan then fills derived tables
    try:
        assert _revision(old) == HEAD_REVISION
        upgraded = _dump(old)
        for table, rows in before.items():
            if table in BASE_TABLES:
                assert upgraded[table] == rows, table  # not a row lost, added or changed
        assert _dump(old, BASE_TABLES) == _dump(head_store, BASE_TABLES)
        summary = ws.scan()  # the same logs again: nothing new, nothing counted twice
        assert (summary.calls_new, summary.calls_updated, summary.bytes_read) == (0, 0, 0)
        # derived tables, rebuilt for an old store, equal those kept current by a store that was always at head
        rebuilt = _derived(old)
        assert rebuilt == _derived(head_store)
        ws.scan()
        assert _derived(old) == rebuilt
        newest = "SELECT source, last_call_ms FROM source_health WHERE last_call_ms IS NOT NULL ORDER BY source"
        assert _query(old, newest) == _query(head_store, newest) != []
    finally:
        ws.close()
    assert not old.with_name(old.name + ".pre-migration").exists()


@pytest.mark.parametrize("revision", OLD_REVISIONS)
def test_downgrade_then_upgrade_round_trip(head_store: Path, tmp_path: Path, revision: str) -> None:
    from alembic import command

    from tokenpulse.store.db import connect
    from tokenpulse.store.migrate import _config

    db = tmp_path / "data" / "tokenpulse.sqlite3"
    db.parent.mkdir(mode=0o700)
    shutil.copyfile(head_store, db)
    command.downgrade(_config(db), revision)
    assert _revision(db) == revision
    connect(db).close()
    assert _dump(db, BASE_TABLES) == _dump(head_store, BASE_TABLES)


# ---------------------------------------------------------------------------------------------
# Failing and interrupted migrations (a copy of the migrations folder with one more, bad, revision)
# ---------------------------------------------------------------------------------------------

BAD_REVISION = "9999_reliability_probe"


def _bad_migrations(tmp: Path, body: str) -> Path:
    """A copy of the real migrations plus a revision after head whose upgrade() runs `body`."""
    from tokenpulse.store.schema_version import HEAD_REVISION

    src = Path(__import__("tokenpulse.store.migrate", fromlist=["x"]).__file__).with_name("migrations")
    folder = tmp / "migrations"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("__pycache__"))
    script = "\n".join([
        "import os, time", "import sqlalchemy as sa", "from alembic import op", "",
        f"revision = {BAD_REVISION!r}", f"down_revision = {HEAD_REVISION!r}", "branch_labels = None",
        "depends_on = None", "", "", "def upgrade():", textwrap.indent(textwrap.dedent(body).strip(), "    "), "",
        "", "def downgrade():", "    pass", ""])
    compile(script, "probe", "exec")  # a typo here must not pass for a failing migration
    (folder / "versions" / f"{BAD_REVISION}.py").write_text(script)
    return folder


def _use_migrations(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    import tokenpulse.store.db as db
    import tokenpulse.store.migrate as migrate

    real = migrate._config

    def config(db_path: Path):  # type: ignore[no-untyped-def]
        cfg = real(db_path)
        cfg.set_main_option("script_location", str(folder))
        return cfg

    monkeypatch.setattr(migrate, "_config", config)
    monkeypatch.setattr(db, "HEAD_REVISION", BAD_REVISION)


ALTER_THEN_FAIL = '''
with op.batch_alter_table("api_call") as batch:
    batch.add_column(sa.Column("probe", sa.Integer(), nullable=True))
op.execute("DELETE FROM chat_stats")
raise RuntimeError("simulated bug in a migration")
'''


def _settled(db: Path) -> bytes:
    """The store's bytes with its WAL folded in (what an upgrade starts from)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return db.read_bytes()


def _copy_of(head_store: Path, tmp_path: Path) -> Path:
    db = tmp_path / "data" / "tokenpulse.sqlite3"
    db.parent.mkdir(mode=0o700, exist_ok=True)
    shutil.copyfile(head_store, db)
    return db


def test_real_failing_migration_leaves_the_old_store_byte_identical(head_store: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenpulse.store.db import StoreError, connect

    db = _copy_of(head_store, tmp_path)
    original = _settled(db)
    _use_migrations(monkeypatch, _bad_migrations(tmp_path, ALTER_THEN_FAIL))
    with pytest.raises(StoreError) as info:
        connect(db)
    assert "could not upgrade" in str(info.value) and "\n" not in str(info.value)
    assert _settled(db) == original
    assert not db.with_name(db.name + ".pre-migration").exists()
    monkeypatch.undo()
    connect(db).close()  # the release that had this store opens it as before
    assert _dump(db) == _dump(head_store)


def test_disk_full_while_saving_the_pre_migration_copy(head_store: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import tokenpulse.store.migrate as migrate
    from tokenpulse.store.db import StoreError, connect

    db = _copy_of(head_store, tmp_path)
    original = _settled(db)
    _use_migrations(monkeypatch, _bad_migrations(tmp_path, "pass"))

    def full_copy(src: Path, dst: Path) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:5000])
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(migrate, "_sqlite_copy", full_copy)
    with pytest.raises(StoreError) as info:
        connect(db)
    assert "full" in str(info.value)
    assert db.read_bytes() == original
    assert not db.with_name(db.name + ".pre-migration").exists()  # no half copy left taking space


def test_disk_full_while_copying_the_upgraded_store_back(head_store: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The migration succeeded on the copy, but the disk fills up when it replaces the store's content. That copy
    is one SQLite transaction (the backup API), which SQLite rolls back on SQLITE_FULL: the store keeps the
    pre-upgrade data, the half-upgraded copy is removed, and the message says the disk is full."""
    import tokenpulse.store.migrate as migrate
    from tokenpulse.store.db import StoreError, connect

    db = _copy_of(head_store, tmp_path)
    _settled(db)
    before = _dump(db)
    _use_migrations(monkeypatch, _bad_migrations(tmp_path, "pass"))
    real_copy = migrate._sqlite_copy
    calls: list[Path] = []

    def copy(src: Path, dst: Path) -> None:
        calls.append(dst)
        if len(calls) < 2:
            return real_copy(src, dst)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(migrate, "_sqlite_copy", copy)
    with pytest.raises(StoreError) as info:
        connect(db)
    assert "full" in str(info.value), info.value
    assert len(calls) == 2
    assert _dump(db) == before
    assert not db.with_name(db.name + ".pre-migration").exists()
    monkeypatch.undo()
    connect(db).close()  # the release that had this store still opens it
    assert _dump(db) == _dump(head_store)


SLOW_ALTER = '''
with op.batch_alter_table("api_call") as batch:
    batch.add_column(sa.Column("probe", sa.Integer(), nullable=True))
open(os.environ["TP_PROBE_MARK"], "w").close()
time.sleep(float(os.environ.get("TP_PROBE_SLEEP", "0")))
'''

KILL_SCRIPT = '''
import sys
from pathlib import Path
import tokenpulse.store.db as db
import tokenpulse.store.migrate as migrate
real = migrate._config
def config(p):
    cfg = real(p)
    cfg.set_main_option("script_location", sys.argv[2])
    return cfg
migrate._config = config
db.HEAD_REVISION = sys.argv[3]
db.connect(Path(sys.argv[1])).close()
'''


def _migrate_in_subprocess(db: Path, folder: Path, mark: Path, sleep: float) -> subprocess.Popen[str]:
    env = dict(tp_env(db.parent, db.parent, db.parent / "c", db.parent / "x"), TP_PROBE_MARK=str(mark),
               TP_PROBE_SLEEP=str(sleep))
    return subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db), str(folder), BAD_REVISION], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_in_the_middle_of_a_migration_then_upgrade_again(head_store: Path, tmp_path: Path) -> None:
    from tokenpulse.store.db import connect

    db = _copy_of(head_store, tmp_path)
    folder = _bad_migrations(tmp_path, SLOW_ALTER)
    mark = tmp_path / "reached"
    proc = _migrate_in_subprocess(db, folder, mark, sleep=60)
    deadline = time.monotonic() + 60
    while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mark.exists(), proc.communicate()[1]
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    connect(db).close()  # the release that had this store still opens it...
    assert _dump(db, BASE_TABLES) == _dump(head_store, BASE_TABLES)
    cols = [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(api_call)")]
    assert "probe" not in cols  # ...with its schema whole, not half migrated
    mark.unlink()
    retry = _migrate_in_subprocess(db, folder, mark, sleep=0)  # and the new release upgrades it on the next start
    _, err = retry.communicate(timeout=120)
    assert retry.returncode == 0, err
    assert _revision(db) == BAD_REVISION


def test_two_processes_opening_an_old_store_at_once(head_store: Path, tmp_path: Path) -> None:
    old = _old_store(head_store, OLD_REVISIONS[0], tmp_path / "data" / "tokenpulse.sqlite3")
    root = head_store.parent.parent
    env = tp_env(tmp_path, old.parent, root / "claude", root / "codex")
    results: list[subprocess.CompletedProcess[str]] = []
    gate = threading.Barrier(2)

    def run() -> None:
        gate.wait()
        results.append(subprocess.run(tp_cmd("daily", "--json", "--tz", "UTC", "--no-scan"), env=env,
                                      capture_output=True, text=True, timeout=180))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert results[0].stdout == results[1].stdout and results[0].stdout.strip() != "[]"
    assert _dump(old, BASE_TABLES) == _dump(head_store, BASE_TABLES)


def test_upgrade_to_head_failure_leaves_no_stale_write_ahead_log(head_store: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """upgrade_to_head restores the file's bytes after a failure, but the failed attempt's committed pages stay in
    the -wal file (alembic's connection is still open), and the next open applies them to the restored file."""
    import gc

    from tokenpulse.store.migrate import MigrationError, upgrade_to_head

    db = _copy_of(head_store, tmp_path)
    _settled(db)
    _use_migrations(monkeypatch, _bad_migrations(tmp_path, ALTER_THEN_FAIL))
    with pytest.raises(MigrationError):
        upgrade_to_head(db)
    gc.collect()
    conn = sqlite3.connect(db)
    try:
        assert "probe" not in [r[1] for r in conn.execute("PRAGMA table_info(api_call)")]
    finally:
        conn.close()
