"""Deleting what tokenpulse keeps: everything (`forget_all`), or one project's calls and chats (`forget_project`).

Only files tokenpulse itself writes are deleted, by name: a TOKENPULSE_HOME that points at a folder holding
other files keeps them, and folders are removed only when they are empty afterwards. Deleted rows are
overwritten in the file (`PRAGMA secure_delete`) and the write-ahead log is emptied, so a forgotten project's
paths and counts do not linger in free pages. The agents' own logs are never touched: a later scan would read
a forgotten project again from the logs that still exist, unless the caller also records it in the ignore list
(see SECURITY.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from tokenpulse.store.chat_figures import resum_quarters
from tokenpulse.store.db import BUSY_TIMEOUT_MS, DB_NAME, SETUP_LOCK_SUFFIX, StoreError
from tokenpulse.store.git_work import forget_folders
from tokenpulse.store.tx import write_tx

if TYPE_CHECKING:
    from tokenpulse.config.paths import AppPaths

# Files beside the store that belong to it: journals, the setup lock, migration and restore safety copies,
# damaged copies moved aside, the damage mark and the recovery notice.
_STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", SETUP_LOCK_SUFFIX, ".pre-migration", ".damaged")
_STORE_INFIXES = (".corrupt-", ".before-restore-", ".new-", ".pre-migration")
# Everything else tokenpulse writes in the data folder: locks, the status facts the app keeps for `status`
# (they name projects), notices and marks.
_DATA_FILES = ("scan.lock", "app.lock", "recovery-notice.txt", "status.json", "no-tray-hint-shown")
_LOG_FOLDER = "logs"  # the app's log (app_log.py): tokenpulse.log and its rotated copies


class ForgetError(StoreError):
    """Nothing was deleted; the message says why."""


def forget_all(paths: AppPaths, *, force: bool = False, sync_folder: Path | None = None) -> list[Path]:
    """Delete the store (with its journals and safety copies), the backups, the settings (with their last good
    copy), the lock files, the status facts and the app's log; this device's id and its copies of other devices'
    ledgers; and, given the sync folder, what this device published there (never another device's files).

    Refuses (ForgetError) while a scan holds the scan lock or the tray app's lock names a live process,
    unless `force`. Returns what was deleted. The folders themselves go only if nothing else is left in them.
    """
    data, config = paths.data_dir, paths.config_dir
    if not force:
        refuse_if_busy(paths)
    removed: list[Path] = []
    from tokenpulse.store.sync import cleanup
    from tokenpulse.store.sync.identity import ID_FILE, ID_PATTERN
    from tokenpulse.store.sync.layout import device_folder

    try:
        own = (data / ID_FILE).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        own = ""
    if sync_folder is not None and ID_PATTERN.match(own):
        removed += cleanup.unpublish(device_folder(sync_folder, own))
    removed += cleanup.forget_local(data)
    if data.is_dir():
        for entry in sorted(os.listdir(data)):
            path = data / entry
            if (_is_store_file(entry) or entry in _DATA_FILES) and (path.is_file() or path.is_symlink()):
                path.unlink(missing_ok=True)
                removed.append(path)
    logs = data / _LOG_FOLDER
    if logs.is_dir() and not logs.is_symlink():
        for entry in sorted(os.listdir(logs)):
            if entry.startswith("tokenpulse.log"):
                (logs / entry).unlink(missing_ok=True)
                removed.append(logs / entry)
        _rmdir_if_empty(logs)
    backups = paths.backups_dir
    if backups.is_dir() and not backups.is_symlink():
        from tokenpulse.store.backup import PREFIX

        for entry in sorted(os.listdir(backups)):
            if entry.startswith((PREFIX, f".{PREFIX}")):
                (backups / entry).unlink(missing_ok=True)
                removed.append(backups / entry)
        _rmdir_if_empty(backups)
    from tokenpulse.config import settings as settings_io

    for candidate in settings_io.files(paths.settings_file):  # the file, its last good copy, leftovers
        if candidate.is_file() or candidate.is_symlink():
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    for folder in {data, config}:
        _rmdir_if_empty(folder)
    return removed


def forget_project(conn: sqlite3.Connection, project_path: str) -> int:
    """Delete one project's calls, chats and every row derived from them, in one transaction.

    The project is the folder the agent ran in; its sub-folders and the sub-agent chats of its chats go too,
    and so do the work figures read from git for them (a repository stays only while another folder lies in it).
    Returns the number of calls deleted. File cursors are kept (they hold log paths, not counts), so the lines
    already read are not read again; new lines of that project's logs would be, unless ignored (SECURITY.md).
    """
    folder = _normalise(project_path)
    prefix = folder if folder.endswith("/") else folder + "/"
    previous = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete=ON")
    own_tx = not conn.in_transaction
    try:
        with write_tx(conn):
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS forget_session (id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM temp.forget_session")
            conn.execute("INSERT INTO temp.forget_session SELECT id FROM chat_session"
                         " WHERE project = ? OR substr(project, 1, ?) = ?", (folder, len(prefix), prefix))
            while True:  # sub-agent chats of those chats, whatever folder they ran in
                cur = conn.execute(
                    "INSERT OR IGNORE INTO temp.forget_session SELECT c.id FROM chat_session c"
                    " JOIN chat_session p ON p.source = c.source AND p.session_key = c.parent_key"
                    " WHERE p.id IN (SELECT id FROM temp.forget_session)"
                    " AND c.id NOT IN (SELECT id FROM temp.forget_session)")
                if cur.rowcount <= 0:
                    break
            for table, column in _rows_referencing_sessions(conn):
                if table != "api_call":
                    conn.execute(f'DELETE FROM "{table}" WHERE "{column}" IN (SELECT id FROM temp.forget_session)')
            deleted = conn.execute("DELETE FROM api_call WHERE session_id IN (SELECT id FROM temp.forget_session)"
                                   ).rowcount
            if deleted > 0 and _has_table(conn, "usage_local_hour"):
                # that rollup has no chat column to delete by: emptied, it is rebuilt from the per-chat rollups
                # when the store is next opened (insights.hooks.bring_up_to_date)
                conn.execute("DELETE FROM usage_local_hour")
                if _has_table(conn, "usage_local_day"):
                    conn.execute("DELETE FROM usage_local_day")
            if deleted > 0 and _has_table(conn, "waste_quarter"):
                resum_quarters(conn)  # its sums over every chat held the forgotten chats' spend
            _forget_limit_rows(conn)
            conn.execute("DELETE FROM chat_session WHERE id IN (SELECT id FROM temp.forget_session)")
            conn.execute("DELETE FROM temp.forget_session")
            forget_folders(conn, folder, prefix)  # the work read from git: its folders and unused repositories
    finally:
        conn.execute(f"PRAGMA secure_delete={int(previous)}")
    if own_tx:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page images leave the write-ahead log
    return max(deleted, 0)


def _forget_limit_rows(conn: sqlite3.Connection) -> None:
    """Plan limits (issue 11): the chats' stated context windows go, and limit hits no longer name the chats (the
    hits themselves are the account's, not the project's)."""
    chats = ("(source, session_key) IN (SELECT source, session_key FROM chat_session"
             " WHERE id IN (SELECT id FROM temp.forget_session))")
    if _has_table(conn, "context_window"):
        conn.execute(f"DELETE FROM context_window WHERE {chats}")
    if _has_table(conn, "limit_hit"):
        conn.execute(f"UPDATE limit_hit SET session_key = NULL WHERE {chats}")


def forget_project_in_backups(backups_dir: Path, project_path: str) -> int:
    """Apply `forget_project` to every backup (then VACUUM it); returns the calls deleted over all backups."""
    from tokenpulse.store.backup import list_backups

    total = 0
    for backup in list_backups(backups_dir):
        conn = sqlite3.connect(backup.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            total += forget_project(conn, project_path)
            conn.execute("VACUUM")
        finally:
            conn.close()
    return total


def _rows_referencing_sessions(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to chat_session: derived tables added later are covered too."""
    found = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            if fk[2] == "chat_session":
                found.append((table, fk[3]))
    return found


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _normalise(project_path: str) -> str:
    text = str(project_path)
    if not text:
        raise ValueError("an empty project path would match nothing")
    return text.rstrip("/") or "/"


def _is_store_file(name: str) -> bool:
    if not name.startswith(DB_NAME) and not name.startswith("." + DB_NAME):
        return False
    base = name.lstrip(".")
    rest = base[len(DB_NAME):]
    return rest in _STORE_SUFFIXES or any(rest.startswith(infix) for infix in _STORE_INFIXES) \
        or rest.startswith((".restore-", ".incoming-"))


def refuse_if_busy(paths: AppPaths) -> None:
    """ForgetError while a scan holds the scan lock or the tray app is running (it would write rows back)."""
    lock = paths.scan_lock
    if lock.exists():
        fd = os.open(lock, os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ForgetError("a tokenpulse scan is running; wait for it to finish (or quit the app) and"
                                  " try again") from None
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    from tokenpulse.platform.app_lock import app_running

    if app_running(paths.instance_lock):
        raise ForgetError("the tokenpulse app is running; quit it first, then try again")


def _rmdir_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()

