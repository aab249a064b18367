"""Bringing a store to the current schema with alembic; the old file is kept until the upgrade succeeds."""

from __future__ import annotations

import shutil
from pathlib import Path


class MigrationError(RuntimeError):
    """The upgrade failed; the store was restored to its state before the attempt."""


def _config(db_path: Path):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    return cfg


def upgrade_to_head(db_path: Path) -> None:
    """Migrate the database file to the newest revision, restoring the previous bytes on failure."""
    from alembic import command

    backup = db_path.with_name(db_path.name + ".pre-migration")
    had_data = db_path.exists() and db_path.stat().st_size > 0
    if had_data:
        shutil.copy2(db_path, backup)
    try:
        command.upgrade(_config(db_path), "head")
    except Exception as exc:
        if had_data:
            shutil.copy2(backup, db_path)
        raise MigrationError(f"could not upgrade the store at {db_path}: {exc}") from exc
    finally:
        if had_data:
            backup.unlink(missing_ok=True)


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
