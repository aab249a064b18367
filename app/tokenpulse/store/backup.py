"""Daily copies of the store, so that calls from logs the agents have deleted survive a damaged store.

A backup is a standalone SQLite file `backups/tokenpulse-<UTC time>.sqlite3` made with SQLite's online backup
API (a consistent snapshot even while a scan writes), checked with `PRAGMA quick_check` before it replaces
anything, 0600 in a 0700 folder. The newest `KEEP` are kept. `restore` copies one back into the live store
through the same API, after saving the current store beside it, so a restore can itself be undone.

Import-light (sqlite3 and the standard library); `restore` of a backup from an older schema imports alembic.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from tokenpulse.store import damage
from tokenpulse.store.errors import BUSY_TIMEOUT_MS, StoreError
from tokenpulse.store.schema_version import HEAD_REVISION
from tokenpulse.store.sqlite_copy import copy_database

KEEP = 7
PREFIX = "tokenpulse-"
SUFFIX = ".sqlite3"
BEFORE_RESTORE_INFIX = ".before-restore-"
_NAME = re.compile(r"^tokenpulse-(\d{8}T\d{6})Z\.sqlite3$")
_STALE_TMP_S = 3600


class BackupError(StoreError):
    """A backup could not be made, read or restored; the message says why in plain words."""

    def __init__(self, message: str, *, corrupt_source: bool = False) -> None:
        super().__init__(message)
        self.corrupt_source = corrupt_source  # the live store itself failed its check


@dataclass(frozen=True, slots=True, order=True)
class Backup:
    taken_ms: int
    path: Path

    @property
    def day(self) -> str:
        """The UTC day it was taken, YYYY-MM-DD (for menus)."""
        return time.strftime("%Y-%m-%d", time.gmtime(self.taken_ms / 1000))

    @property
    def label(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.taken_ms / 1000))


@dataclass(frozen=True, slots=True)
class RestoreReport:
    restored_from: Path
    backup_taken_ms: int | None
    saved_current_to: Path | None  # the store as it was before the restore (None: there was none)

    def lines(self) -> list[str]:
        out = [f"the store now holds the backup {self.restored_from.name}."]
        if self.saved_current_to is not None:
            out.append(f"The store as it was before is kept at {self.saved_current_to}.")
        out.append("The next scan reads the logs again from where that backup stopped, so calls still in the"
                   " logs come back.")
        return out


def backup_name(now_ms: int) -> str:
    return f"{PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime(now_ms / 1000))}Z{SUFFIX}"


def list_backups(backups_dir: Path) -> list[Backup]:
    """The backups in the folder, oldest first (by the time in their names)."""
    try:
        names = os.listdir(backups_dir)
    except OSError:
        return []
    found = []
    for name in names:
        match = _NAME.match(name)
        if match is None:
            continue
        stamp = time.strptime(match.group(1), "%Y%m%dT%H%M%S")
        found.append(Backup(_timegm_ms(stamp), backups_dir / name))
    return sorted(found)


def backup_if_due(db_path: Path, backups_dir: Path, now_ms: int, *, keep: int = KEEP) -> Path | None:
    """Make today's backup (UTC day) unless one exists; prune to the newest `keep`. None when not due.

    Backups dated after `now_ms` (the clock was set back) do not count as today's, so a clock that jumps
    back never stops the daily copy. Raises BackupError (a StoreError) with plain words on failure; the
    existing backups are then untouched.
    """
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    existing = list_backups(backups_dir)
    today = _utc_day(now_ms)
    if any(_utc_day(b.taken_ms) == today and b.taken_ms <= now_ms for b in existing):
        return None
    made = make_backup(db_path, backups_dir, now_ms)
    prune(backups_dir, keep)
    return made


def make_backup(db_path: Path, backups_dir: Path, now_ms: int) -> Path:
    """A checked copy of the store, now (whether or not one was made today)."""
    _private_dir(backups_dir)
    _remove_stale_tmp(backups_dir)
    target = backups_dir / backup_name(now_ms)
    tmp = backups_dir / f".{target.name}.tmp-{os.getpid()}"
    try:
        _snapshot(db_path, tmp)
        problem = verify(tmp)
        if problem is not None:
            damage.after_error(db_path, sqlite3.DatabaseError(problem))  # the next open recovers it
            raise BackupError(f"the store {db_path} failed its integrity check ({problem}); no backup was made"
                              " and the older ones were kept", corrupt_source=True)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(backups_dir)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"no backup was made: {damage.plain_words(exc, db_path)}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def prune(backups_dir: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` backups; returns what was deleted."""
    removed = []
    for old in list_backups(backups_dir)[:-keep] if keep > 0 else list_backups(backups_dir):
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


def verify(path: Path) -> str | None:
    """None when `path` is a usable store copy (passes quick_check, a schema this version knows), else why not."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            return str(rows[0][0]) if rows else "the integrity check returned nothing"
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            row = None
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    if row is None:
        return "it is not a tokenpulse store (it has no schema version)"
    if row[0] not in known_revisions():
        return f"it was written by another version of tokenpulse (schema {row[0]})"
    return None


def restore(db_path: Path, backup: Backup | Path, *, now_ms: int | None = None) -> RestoreReport:
    """Make the store hold a backup's content; the current store is first saved as `<name>.before-restore-<time>`.

    Safe while other tokenpulse processes have the store open: the content is copied in through SQLite's
    backup API, under SQLite's locks (they see the restored data on their next query). A damaged current store
    is moved aside instead. A backup from an older schema is upgraded on a temporary copy first.
    """
    src = backup.path if isinstance(backup, Backup) else Path(backup)
    taken = backup.taken_ms if isinstance(backup, Backup) else _taken_ms(src)
    problem = verify(src)
    if problem is not None:
        raise BackupError(f"the backup {src} cannot be used: {problem}")
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    work = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}")
    saved: Path | None = None
    try:
        _snapshot(src, work)
        if _revision(work) != HEAD_REVISION:
            from tokenpulse.store.migrate import MigrationError, upgrade_to_head

            try:
                upgrade_to_head(work)
            except MigrationError as exc:
                raise BackupError(f"the backup {src.name} could not be upgraded: {exc}") from exc
            _set_delete_journal(work)
        if not db_path.exists() or db_path.stat().st_size == 0:
            copy_into_place(work, db_path)
        elif damage.is_corrupt(db_path):
            saved = damage.move_aside(db_path, now_ms)
            copy_into_place(work, db_path)
        else:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_ms / 1000))
            saved = _unique(db_path.with_name(f"{db_path.name}{BEFORE_RESTORE_INFIX}{stamp}"))
            _snapshot(db_path, saved)
            copy_database(work, db_path, BUSY_TIMEOUT_MS / 1000)  # into the live store: one transaction
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"the backup was not restored: {damage.plain_words(exc, db_path)}") from exc
    finally:
        work.unlink(missing_ok=True)
    damage.clear_mark(db_path)
    return RestoreReport(restored_from=src, backup_taken_ms=taken, saved_current_to=saved)


def copy_into_place(src: Path, db_path: Path) -> None:
    """Put a standalone copy of `src` at `db_path` atomically (no store may be open there)."""
    tmp = db_path.with_name(f".{db_path.name}.incoming-{os.getpid()}")
    try:
        _snapshot(src, tmp)
        _fsync(tmp)
        for suffix in ("-wal", "-shm"):  # a journal of another file must never be applied to this one
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        os.replace(tmp, db_path)
        _fsync_dir(db_path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def known_revisions() -> set[str]:
    """Schema revisions this version can open (read from the migration scripts without importing alembic)."""
    folder = Path(__file__).with_name("migrations") / "versions"
    found = {HEAD_REVISION}
    pattern = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.M)
    for script in folder.glob("*.py"):
        match = pattern.search(script.read_text(encoding="utf-8"))
        if match:
            found.add(match.group(1))
    return found


# ---------------------------------------------------------------------------------------------

def _snapshot(src: Path, dst: Path) -> None:
    """A consistent standalone copy (rollback journal, 0600) of the database `src` at `dst`."""
    dst.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        source = sqlite3.connect(src, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            target = sqlite3.connect(dst)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
    finally:
        os.umask(old_umask)
    os.chmod(dst, 0o600)


def _set_delete_journal(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def _private_dir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (folder.stat().st_mode & 0o777) != 0o700:
        os.chmod(folder, 0o700)


def _remove_stale_tmp(folder: Path) -> None:
    cutoff = time.time() - _STALE_TMP_S
    for entry in os.scandir(folder):
        if entry.name.startswith(f".{PREFIX}") and ".tmp-" in entry.name:
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}-{n}")
        n += 1
    return candidate


def _taken_ms(path: Path) -> int | None:
    match = _NAME.match(path.name)
    return _timegm_ms(time.strptime(match.group(1), "%Y%m%dT%H%M%S")) if match else None


def _timegm_ms(stamp: time.struct_time) -> int:
    import calendar

    return calendar.timegm(stamp) * 1000


def _utc_day(ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
