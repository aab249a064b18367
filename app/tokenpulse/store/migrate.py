"""Bringing a store to the current schema with alembic; the store is replaced only by a successful upgrade."""

from __future__ import annotations

from pathlib import Path

from tokenpulse.store.sqlite_copy import copy_database as _sqlite_copy  # a module global: tests replace it

WORK_SUFFIX = ".pre-migration"  # the copy an upgrade migrates before it replaces the store's content


class MigrationError(RuntimeError):
    """The upgrade failed; the store was left as it was before the attempt."""


def _config(db_path: Path):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    return cfg


def upgrade_to_head(db_path: Path) -> None:
    """Migrate the database file to the newest revision; on failure the file is left exactly as it was.

    A store with content is never migrated in place: SQLite DDL under pysqlite is not transactional, and a
    failed attempt leaves committed pages in the -wal file that the next open would apply even to restored
    bytes. So a consistent copy (the WAL's committed pages included) is migrated, and only a successful result
    is copied back into the store, in one SQLite transaction that is safe with other connections open.
    """
    import sqlite3

    if not db_path.exists() or db_path.stat().st_size == 0:
        _run_alembic(db_path)  # nothing to lose: a new file is migrated where it is
        return
    work = db_path.with_name(db_path.name + WORK_SUFFIX)
    _remove_with_journals(work)  # left by an upgrade that was killed
    try:
        _sqlite_copy(db_path, work)
        _run_alembic(work)
        _sqlite_copy(work, db_path)
    except MigrationError as exc:
        raise MigrationError(str(exc).replace(str(work), str(db_path))) from exc.__cause__
    except sqlite3.Error as exc:
        raise MigrationError(f"could not upgrade the store at {db_path}: {exc}") from exc
    finally:
        _remove_with_journals(work)


def _run_alembic(db_path: Path) -> None:
    from alembic import command

    try:
        command.upgrade(_config(db_path), "head")
    except Exception as exc:
        raise MigrationError(f"could not upgrade the store at {db_path}: {exc}") from exc


def _remove_with_journals(db_file: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)


def script_head() -> str:
    """The head revision according to the migration scripts (tests compare it with HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(Path("unused.sqlite3"))).get_current_head()
    assert head is not None
    return head


def head_schema_sql(db_path: Path) -> str:
    """The DDL of a database migrated to head, in creation order (the content of schema.sql)."""
    import sqlite3

    upgrade_to_head(db_path)
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                            " ORDER BY rowid").fetchall()
    finally:
        conn.close()
    return "".join(f"{sql};\n" for (sql,) in rows)


if __name__ == "__main__":
    import sys
    import tempfile

    if sys.argv[1:] != ["--dump"]:
        raise SystemExit("usage: python -m tokenpulse.store.migrate --dump  (rewrites schema.sql)")
    with tempfile.TemporaryDirectory() as tmp:
        sql = head_schema_sql(Path(tmp) / "head.sqlite3")
    Path(__file__).with_name("schema.sql").write_text(sql, encoding="utf-8")
    print("schema.sql rewritten")
