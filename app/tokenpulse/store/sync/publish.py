"""Publishing this device's ledger into its own folder of the sync folder: numbers only, whole files, renamed in.

The ledger is copied with SQLite's online backup API (consistent while a scan writes), then cleaned on the
private copy: file paths of the logs (source_file), the reminders' texts (reminder_log) and the app's own state
(app_state) are emptied, every path column (the chats' projects and the work read from git) is published as it
is, as its folder name, or hashed (a setting; store/sync/paths.py), and the file is rebuilt (VACUUM) so
nothing removed survives in free pages. It is then copied into `SYNC/tokenpulse/devices/<id>/` under a
temporary name, flushed and renamed over the old one; the manifest follows the same way, after the ledger, so
a reader can always tell a finished pair (the checksum matches) from one still in transfer.
"""

from __future__ import annotations

import contextlib
import errno as errno_codes
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from tokenpulse import __version__
from tokenpulse.store.errors import BUSY_TIMEOUT_MS
from tokenpulse.store.schema_version import HEAD_REVISION
from tokenpulse.store.sqlite_copy import copy_database
from tokenpulse.store.sync import paths
from tokenpulse.store.sync.identity import Device
from tokenpulse.store.sync.layout import (
    LEDGER,
    MANIFEST,
    OUR_TEMP_PREFIX,
    SyncError,
    check_sync_folder,
    device_folder,
    leftover_kind,
    outgoing_folder,
)
from tokenpulse.store.sync.manifest import Counts, Manifest, ManifestError, ledger_counts, read_manifest, write_json
from tokenpulse.store.sync.paths import project_label
from tokenpulse.store.tx import write_tx

__all__ = ["PRIVATE_TABLES", "Published", "last_published_ms", "project_label", "publish"]

PRIVATE_TABLES = ("source_file", "reminder_log", "app_state")  # log file paths, reminder texts, app state
RECORD = "published.json"  # DATA/devices/.outgoing/: what this device last published (to spot a clone)
_CHUNK = 1 << 20
_STALE_TEMP_S = 3600


@dataclass(frozen=True, slots=True)
class Published:
    manifest: Manifest
    folder: Path


def publish(db_path: Path, sync_dir: Path, data_dir: Path, device: Device, *, project_paths: str, zone: str,
            now_ms: int) -> Published:
    """Publish the store at `db_path` as `device`; raises SyncError with plain words when it cannot."""
    check_sync_folder(sync_dir)
    staging = outgoing_folder(data_dir)
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = staging / LEDGER
    try:
        counts = _prepare(db_path, staged, project_paths)
    except sqlite3.Error as exc:
        raise SyncError(f"this device's ledger could not be prepared for publishing: {exc}") from exc
    except OSError as exc:
        raise SyncError(f"this device's ledger could not be prepared in {staging}: {exc.strerror or exc}") from exc
    target = device_folder(sync_dir, device.id)
    _check_not_taken(target, staging)
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        size, sha = _place(staged, target / LEDGER)
        manifest = Manifest(device_id=device.id, device_name=device.name, app_version=__version__,
                            schema=HEAD_REVISION, written_ms=now_ms, ledger_bytes=size, ledger_sha256=sha,
                            counts=counts, project_paths=project_paths, zone=zone)
        write_json(target / MANIFEST, manifest.to_json(), private=True)
    except OSError as exc:
        raise SyncError(_write_problem(exc, sync_dir)) from exc
    finally:
        staged.unlink(missing_ok=True)
    _clean_own_leftovers(target)
    with contextlib.suppress(OSError):  # only used to spot another machine publishing under this id
        write_json(staging / RECORD, json.dumps({"written_ms": now_ms, "sha256": sha}), private=True)
    return Published(manifest, target)


def last_published_ms(data_dir: Path) -> int | None:
    """When this device last published (by any of its processes), or None."""
    try:
        return int(json.loads((outgoing_folder(data_dir) / RECORD).read_text(encoding="utf-8"))["written_ms"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _prepare(db_path: Path, staged: Path, project_paths: str) -> Counts:
    """A cleaned standalone copy of the store at `staged`; returns its counts."""
    staged.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        copy_database(db_path, staged, BUSY_TIMEOUT_MS / 1000, read_only=True)
    finally:
        os.umask(old_umask)
    conn = sqlite3.connect(staged, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        rollup = conn.execute("SELECT coalesce(sum(calls), 0), coalesce(sum(output), 0) FROM usage_rollup").fetchone()
        calls = conn.execute("SELECT count(*), coalesce(sum(output), 0) FROM api_call").fetchone()
        if tuple(rollup) != tuple(calls):
            raise SyncError("this device's chart rollups are behind its calls (a scan was stopped half way);"
                            " run `tokenpulse scan`, then sync again")
        with write_tx(conn):
            for table in PRIVATE_TABLES:
                conn.execute(f"DELETE FROM {table}")
            paths.shorten(conn, project_paths)
        conn.execute("VACUUM")  # rebuilt: nothing deleted above is left in free pages
        return ledger_counts(conn)
    finally:
        conn.close()


def _place(src: Path, dst: Path) -> tuple[int, str]:
    """Copy `src` to `dst` through a temporary name in its folder; returns (bytes, SHA-256 hex)."""
    tmp = dst.with_name(f"{OUR_TEMP_PREFIX}{os.getpid()}-{dst.name}.tmp")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(src, "rb") as fin, open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fout:
            while chunk := fin.read(_CHUNK):
                fout.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return size, digest.hexdigest()


def _check_not_taken(target: Path, staging: Path) -> None:
    """Refuse to publish when another machine published under this id after us (a copied data folder)."""
    try:
        ours = json.loads((staging / RECORD).read_text(encoding="utf-8"))
        theirs = read_manifest(target / MANIFEST)
    except (OSError, ValueError, ManifestError):
        return
    if theirs.written_ms > int(ours.get("written_ms", 0)) and theirs.ledger_sha256 != ours.get("sha256"):
        raise SyncError(
            f"another machine ({theirs.device_name!r}) published under this device's id after this one did: its"
            " tokenpulse data folder was probably copied from this one. On one of the two machines delete the file"
            " `device-id` in tokenpulse's data folder and sync again (it then publishes as a new device)")


def _clean_own_leftovers(target: Path) -> None:
    """Conflict copies of our own files, and our temporary files left by a stopped run: this folder is ours."""
    try:
        entries = list(os.scandir(target))
    except OSError:
        return
    cutoff = time.time() - _STALE_TEMP_S
    for entry in entries:
        if entry.name in (LEDGER, MANIFEST) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if leftover_kind(entry.name) == "conflict copy" or (
                    entry.name.startswith(OUR_TEMP_PREFIX) and entry.stat(follow_symlinks=False).st_mtime < cutoff):
                os.unlink(entry.path)
        except OSError:
            pass


def _write_problem(exc: OSError, sync_dir: Path) -> str:
    if exc.errno in (errno_codes.EROFS, errno_codes.EACCES, errno_codes.EPERM):
        return (f"the sync folder {sync_dir} is read-only here, so this device's ledger was not published"
                " (the other devices' copies are still read)")
    if exc.errno == errno_codes.ENOSPC:
        return f"the disk holding the sync folder {sync_dir} is full, so this device's ledger was not published"
    return f"this device's ledger could not be written to {sync_dir}: {exc.strerror or exc}"

