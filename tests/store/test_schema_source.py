"""The schema has one definition (store/tables.py); everything else is derived from it or checked against it.

- schema.sql (the DDL of a new store) and columns.py (column lists for SQL) are generated from it and current;
- a store migrated step by step from the first revision has exactly the structure of a new one;
- no SQL that writes the store lives outside store/ (reports read; only the store's modules write).
"""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

from tokenpulse.store import schema
from tokenpulse.store.columns import COLUMNS

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "tokenpulse"


def test_generated_files_are_current() -> None:
    assert schema.SCHEMA_SQL.read_text(encoding="utf-8") == schema.ddl(), (
        "schema.sql is stale: run `python -m tokenpulse.store.schema`")
    assert schema.COLUMNS_PY.read_text(encoding="utf-8") == schema.columns_source(), (
        "columns.py is stale: run `python -m tokenpulse.store.schema`")


def _structure(db: Path) -> dict[str, object]:
    """Tables, columns, keys, indexes (with their WHERE) and foreign keys, independent of DDL spelling."""
    conn = sqlite3.connect(db)
    try:
        out: dict[str, object] = {}
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                                      " AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            cols = [(r[1], r[2].upper(), r[3], r[4], r[5]) for r in conn.execute(f'PRAGMA table_info("{name}")')]
            fks = sorted((r[2], r[3], r[4]) for r in conn.execute(f'PRAGMA foreign_key_list("{name}")'))
            indexes = []
            for r in conn.execute(f'PRAGMA index_list("{name}")'):
                index_cols = [c[2] for c in conn.execute(f'PRAGMA index_info("{r[1]}")')]
                where = None
                if r[3] == "c":  # created by CREATE INDEX: its WHERE clause, if partial
                    text = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (r[1],)).fetchone()[0]
                    found = re.search(r"\bWHERE\b(.*)$", text, re.S | re.I)
                    where = " ".join(found.group(1).split()) if found else None
                indexes.append((r[1] if r[3] == "c" else "(auto)", bool(r[2]), r[3], tuple(index_cols), where))
            without_rowid = bool(re.search(r"WITHOUT\s+ROWID", sql, re.I))
            out[name] = (cols, fks, sorted(indexes), without_rowid)
        return out
    finally:
        conn.close()


def test_a_store_migrated_from_the_first_revision_equals_a_new_one(tmp_path: Path) -> None:
    from alembic import command

    from tokenpulse.store.db import connect
    from tokenpulse.store.migrate import _config, upgrade_to_head

    fresh = tmp_path / "fresh" / "tokenpulse.sqlite3"
    connect(fresh).close()
    old = tmp_path / "old.sqlite3"
    command.upgrade(_config(old), "0001_initial")  # a store as the first release made it
    upgrade_to_head(old)
    assert _structure(old) == _structure(fresh)


def test_columns_follow_the_tables() -> None:
    from sqlmodel import SQLModel

    import tokenpulse.store.tables  # noqa: F401

    assert {t.name: tuple(c.name for c in t.columns) for t in SQLModel.metadata.sorted_tables} == COLUMNS


_WRITE = re.compile(r"^\s*(INSERT(\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE\s+[\w.]+\s+SET|DELETE\s+FROM|"
                    r"CREATE\s+(TEMP\s+|TEMPORARY\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)|DROP\s+(TABLE|INDEX)|"
                    r"ALTER\s+TABLE|BEGIN\b|COMMIT\b|ROLLBACK\b|VACUUM\b)")  # SQL is written in capitals here
_TEMP_CREATE = re.compile(r"CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:temp\.)?(\w+)", re.I)
_TEMP_INDEX = re.compile(r"CREATE\s+INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?temp\.", re.I)
_TARGET = re.compile(r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|DELETE\s+FROM|UPDATE)\s+(?:temp\.)?(\w+)", re.I)


def test_sql_that_writes_lives_in_the_store() -> None:
    """Outside store/, SQL may only read the store (scratch TEMP tables of a reader connection are allowed)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "store":
            continue
        texts = [n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        temp = {m.group(1).lower() for t in texts for m in _TEMP_CREATE.finditer(t)}
        for text in texts:
            if (not _WRITE.match(text) or _TEMP_CREATE.match(text) or _TEMP_INDEX.match(text)
                    or re.match(r"^\s*DROP\s+(TABLE|INDEX)\s+(IF\s+EXISTS\s+)?temp\.", text, re.I)):
                continue
            target = _TARGET.match(text)
            if target and (target.group(1).lower() in temp or re.search(r"\b(INTO|FROM|UPDATE)\s+temp\.", text, re.I)):
                continue
            offenders.append(f"{rel}: {' '.join(text.split())[:80]}")
    assert offenders == []


def test_the_cursor_carries_every_column_of_its_table() -> None:
    """A column added to source_file must reach the Cursor (or be one the ledger fills itself)."""
    from dataclasses import fields

    from tokenpulse.store.ledger import Cursor

    assert [f.name for f in fields(Cursor)] == [c for c in COLUMNS["source_file"] if c not in ("id", "updated_ms")]


def test_a_write_group_commits_whole_groups_and_rolls_back_only_the_open_one(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.tx import WriteGroup, write_tx

    db = tmp_path / "tokenpulse.sqlite3"
    conn = connect(db)
    try:
        group = WriteGroup(conn, seconds=0.0)  # every step commits what came before it
        try:
            with group:
                for n in range(3):
                    group.step()
                    with write_tx(conn):  # a file's own transaction joins the group's
                        conn.execute("INSERT INTO app_state (key, value) VALUES (?, 'x')", (f"k{n}",))
                raise RuntimeError("the disk filled up")
        except RuntimeError:
            pass
        assert not conn.in_transaction
        # k0 and k1 were committed by later steps; k2 was in the open group, rolled back with it
        assert [k for (k,) in conn.execute("SELECT key FROM app_state ORDER BY key")] == ["k0", "k1"]
        with WriteGroup(conn, seconds=60.0) as slow:
            for n in range(3, 6):
                slow.step()
                conn.execute("INSERT INTO app_state (key, value) VALUES (?, 'x')", (f"k{n}",))
        assert conn.execute("SELECT count(*) FROM app_state").fetchone()[0] == 5
    finally:
        conn.close()
