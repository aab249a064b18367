"""Opening the ledger file: private permissions, WAL, busy timeouts and the schema check."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tokenpulse.store.schema_version import HEAD_REVISION

DB_NAME = "tokenpulse.sqlite3"
BUSY_TIMEOUT_MS = 30_000


class StoreError(RuntimeError):
    """The store cannot be used; the message says why in plain words."""


def connect(path: Path, *, migrate: bool = True) -> sqlite3.Connection:
    """A connection to the ledger at `path`, created or upgraded to the current schema when needed."""
    _ensure_private_dir(path.parent)
    if migrate and not path.exists():
        _create(path)
    elif migrate and _revision(path) != HEAD_REVISION:
        _upgrade(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the store at {path} cannot be opened: {exc}") from exc
    return conn


def _revision(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return None  # a new or foreign file: migration decides
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the store at {path} is damaged ({exc})") from exc
    return row[0] if row else None


def _create(path: Path) -> None:
    """A new store straight at the head schema: the DDL alembic would produce, without importing it.

    `schema.sql` is generated from a migrated database (`python -m tokenpulse.store.migrate --dump`); a
    test checks it still equals what the migrations build.
    """
    ddl = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(f"BEGIN;{ddl}\nINSERT INTO alembic_version VALUES ('{HEAD_REVISION}');COMMIT;")
        finally:
            conn.close()
    finally:
        os.umask(old_umask)
    os.chmod(tmp, 0o600)
    tmp.replace(path)  # atomic: a crash never leaves a half-built store under the real name


def _upgrade(path: Path) -> None:
    from tokenpulse.store.migrate import MigrationError, upgrade_to_head

    if path.exists():
        # fold the WAL into the main file so the pre-migration copy is complete
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    old_umask = os.umask(0o077)
    try:
        upgrade_to_head(path)
    except MigrationError as exc:
        raise StoreError(str(exc).splitlines()[0]) from exc
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)


def _ensure_private_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {folder}: {exc.strerror or exc}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"the data folder {folder} is not writable")
