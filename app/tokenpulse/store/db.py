"""Opening the ledger file: private permissions, WAL, busy timeouts, the schema check and damage recovery."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tokenpulse.config.paths import DB_NAME
from tokenpulse.platform.flock import lock_within
from tokenpulse.store.errors import BUSY_TIMEOUT_MS, StoreError
from tokenpulse.store.schema_version import HEAD_REVISION

__all__ = ["BUSY_TIMEOUT_MS", "DB_NAME", "StoreError", "connect"]
SETUP_LOCK_SUFFIX = ".lock"  # serializes creating, upgrading and recovering the store across processes
SETUP_WAIT_S = 300.0


class _Damaged(Exception):
    """SQLite said the file's content is damaged (SQLITE_CORRUPT / SQLITE_NOTADB)."""


def connect(path: Path, *, migrate: bool = True) -> sqlite3.Connection:
    """A connection to the ledger at `path`, created or upgraded to the current schema when needed.

    A damaged store (confirmed with `PRAGMA quick_check`) is moved aside and replaced by the newest good
    backup or an empty store; the next scan refills it from the logs (`recovery.py`). Anything else that
    stops the store from being used raises StoreError with a plain-words message.
    """
    _ensure_private_dir(path.parent)
    _check_file(path)
    reason: str | None = None
    if os.path.exists(path.with_name(path.name + ".damaged")):  # a command met a damaged page last time
        from tokenpulse.store.damage import marked_damaged

        reason = marked_damaged(path)
    if reason is None:
        try:
            return _open(path, migrate)
        except _Damaged as exc:
            reason = str(exc)
    return _recover_and_open(path, migrate, reason)


def _open(path: Path, migrate: bool) -> sqlite3.Connection:
    try:
        if migrate and not path.exists():
            with _setup_lock(path):
                if not path.exists():  # another process may have created it while we waited
                    _create(path)
        elif migrate and _revision(path) != HEAD_REVISION:
            with _setup_lock(path):
                if _revision(path) != HEAD_REVISION:
                    _upgrade(path)
    except (sqlite3.Error, OSError) as exc:
        raise _store_error(exc, path) from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header and the schema
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise _store_error(exc, path) from exc
    return conn


def _store_error(exc: BaseException, path: Path) -> Exception:
    from tokenpulse.store.damage import is_corrupt_error, plain_words

    if is_corrupt_error(exc):
        return _Damaged(str(exc))
    return StoreError(plain_words(exc, path))


def _recover_and_open(path: Path, migrate: bool, reason: str) -> sqlite3.Connection:
    from tokenpulse.store import damage, recovery

    with _setup_lock(path):
        try:
            problem = damage.quick_check(path) if path.exists() and path.stat().st_size > 0 else None
        except sqlite3.Error as exc:
            raise StoreError(damage.plain_words(exc, path)) from exc
        if problem is None:
            damage.clear_mark(path)  # a false alarm, or another process recovered it while we waited
        else:
            try:
                recovery.recover(path, reason=problem)
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"the store {path} is damaged and could not be moved aside:"
                                 f" {damage.plain_words(exc, path)}") from exc
    try:
        return _open(path, migrate)
    except _Damaged as exc:
        raise StoreError(f"the store {path} is damaged ({exc}) and could not be rebuilt; the damaged copy was"
                         " kept beside it") from exc


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
        raise _Damaged(str(exc)) from exc
    return row[0] if row else None


def _create(path: Path) -> None:
    """A new store straight at the head schema: the DDL alembic would produce, without importing it.

    `schema.sql` is generated from a migrated database (`python -m tokenpulse.store.migrate --dump`); a
    test checks it still equals what the migrations build.
    """
    ddl = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
    for stale in path.parent.glob(f"{path.name}.new*"):  # left by a creator that was killed (we hold the lock)
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}")
    old_umask = os.umask(0o077)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(f"BEGIN;{ddl}\nINSERT INTO alembic_version VALUES ('{HEAD_REVISION}');COMMIT;")
        finally:
            conn.close()
        os.chmod(tmp, 0o600)
        tmp.replace(path)  # atomic: a crash never leaves a half-built store under the real name
    finally:
        os.umask(old_umask)
        tmp.unlink(missing_ok=True)


def _upgrade(path: Path) -> None:
    """Migrate to the head schema; `upgrade_to_head` leaves the store untouched unless the upgrade succeeds."""
    from tokenpulse.store.migrate import MigrationError, upgrade_to_head

    old_umask = os.umask(0o077)
    try:
        upgrade_to_head(path)
    except MigrationError as exc:
        raise StoreError(str(exc).splitlines()[0]) from exc
    except (sqlite3.Error, OSError) as exc:
        from tokenpulse.store.damage import plain_words

        raise StoreError(f"could not upgrade the store: {plain_words(exc, path)}") from exc
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)


@contextmanager
def _setup_lock(path: Path) -> Iterator[None]:
    """One process at a time creates, upgrades or recovers the store (an advisory lock beside it)."""
    fd = os.open(path.with_name(path.name + SETUP_LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not lock_within(fd, SETUP_WAIT_S):
            raise StoreError(f"another tokenpulse has been preparing the store {path} for more than"
                             f" {SETUP_WAIT_S:.0f} s; try again later")
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _check_file(path: Path) -> None:
    if not os.path.lexists(path):
        return
    if not path.is_file():
        raise StoreError(f"{path} is not a file; tokenpulse keeps its store there (move it away, or choose"
                         " another folder with TOKENPULSE_HOME or --data-dir)")
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"the store {path} is read-only; tokenpulse needs to write it (make it writable, or"
                         " choose another folder with TOKENPULSE_HOME or --data-dir)")


def _ensure_private_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {folder}: {exc.strerror or exc}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"the data folder {folder} is not writable (it may be on a read-only disk); tokenpulse"
                         " needs to write its store there: make it writable, or choose another folder with"
                         " TOKENPULSE_HOME or --data-dir")
