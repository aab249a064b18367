"""The checks a copy of another device's ledger must pass before it is used: integrity, schema, manifest.

Each returns None when all is well, or one sentence saying what is wrong (shown with the device's name). The
copy is opened read-only and immutable: nothing here can change it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tokenpulse import __version__
from tokenpulse.store.columns import COLUMNS
from tokenpulse.store.sync.manifest import Counts, Manifest, ledger_counts


def open_copy(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def check_copy(path: Path, manifest: Manifest) -> str | None:
    try:
        conn = open_copy(path)
    except sqlite3.Error as exc:
        return f"its ledger cannot be opened ({exc})"
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            return f"its ledger is damaged ({rows[0][0] if rows else 'no answer from the integrity check'})"
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            row = None
        if row is None:
            return "its ledger is not a tokenpulse ledger (it has no schema version)"
        if row[0] != manifest.schema:
            return f"its ledger's schema ({row[0]}) is not the one its manifest names ({manifest.schema})"
        problem = schema_problem(conn, str(row[0]), manifest.app_version)
        if problem:
            return problem
        found = ledger_counts(conn)
        if found != manifest.counts:
            return (f"its ledger disagrees with its manifest ({describe(found)} in the ledger,"
                    f" {describe(manifest.counts)} in the manifest)")
        rollup = conn.execute("SELECT coalesce(sum(calls), 0), coalesce(sum(output), 0) FROM usage_rollup").fetchone()
        if (int(rollup[0]), int(rollup[1])) != (found.calls, found.output):
            return "its chart rollups disagree with its calls (it was published half way through a scan)"
    except sqlite3.DatabaseError as exc:
        return f"its ledger is damaged ({exc})"
    finally:
        conn.close()
    return None


def schema_problem(conn: sqlite3.Connection, revision: str, app_version: str, schema: str = "main") -> str | None:
    """None when every table and column this version reads is there (a newer schema may add more), else which
    tokenpulse to upgrade, and where."""
    from tokenpulse.store.backup import known_revisions

    for table, wanted in COLUMNS.items():
        have = {r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")}
        missing = [c for c in wanted if c not in have]
        if not missing:
            continue
        what = f"{table}.{missing[0]}" if have else f"the table {table}"
        if revision in known_revisions():
            return (f"it was written by an older tokenpulse ({app_version or 'unknown version'}, schema {revision})"
                    f" that lacks {what}: upgrade tokenpulse on that device to {__version__} or later")
        return (f"it was written by tokenpulse {app_version or '(unknown version)'} (schema {revision}), whose"
                f" ledger this version cannot read ({what} is not there): upgrade tokenpulse on this device to"
                f" {app_version or 'the newest version'} or later")
    return None


def shared_calls(copy: Path, main_db: Path) -> int:
    """How many of the copy's calls this device's own store also holds (the same call counted on both)."""
    if not main_db.exists():
        return 0
    conn = open_copy(copy)
    try:
        conn.execute("ATTACH ? AS own", (f"file:{main_db}?mode=ro",))
        return int(conn.execute("SELECT count(*) FROM main.api_call c WHERE EXISTS"
                                " (SELECT 1 FROM own.api_call o WHERE o.dedupe_key = c.dedupe_key)").fetchone()[0])
    finally:
        conn.close()


def describe(c: Counts) -> str:
    return f"{c.calls:,} calls, {c.output:,} output tokens"
