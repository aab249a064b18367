"""Where things are in the sync folder and in the data folder, and what a synchroniser leaves behind.

    SYNC/tokenpulse/devices/<device-id>/ledger.sqlite3   a device's ledger (numbers only), replaced whole
    SYNC/tokenpulse/devices/<device-id>/manifest.json    what it holds: name, schema, counts, checksum
    DATA/devices/<device-id>/ledger.sqlite3              the last good copy of another device's ledger
    DATA/devices/<device-id>/kept.json                   its manifest, and when it was taken
    DATA/devices/.outgoing/                              where this device's ledger is prepared

A device writes only inside its own folder. Files are written under a temporary name and renamed into place,
so a synchroniser sees either the old file or the new one; what it leaves behind itself (its temporary files,
conflict copies) is recognised here and never read.
"""

from __future__ import annotations

import re
from pathlib import Path

APP_FOLDER = "tokenpulse"
DEVICES_FOLDER = "devices"
LEDGER = "ledger.sqlite3"
MANIFEST = "manifest.json"
KEPT = "kept.json"
OUTGOING = ".outgoing"
OUR_TEMP_PREFIX = ".tokenpulse-"  # our own temporary files in the sync folder: `.tokenpulse-<pid>-<name>.tmp`

# Synchronisers' temporary and partial files: Syncthing (`.syncthing.x.tmp`, `~syncthing~x.tmp` on Windows),
# Resilio (`.!sync`), Nextcloud/ownCloud (`.~<hex>` parts, `.part`), Dropbox and others (`.tmp`, `.partial`).
_TEMPORARY = re.compile(r"^(\.syncthing\..*\.tmp|~syncthing~.*\.tmp|\.tokenpulse-.*\.tmp|.*\.!sync|.*\.~[0-9a-f]+"
                        r"|.*\.part|.*\.partial|.*\.tmp|\.~.*)$", re.I)
# Conflict copies: Syncthing (`x.sync-conflict-20260301-101500-ABCDEFG.json`), Dropbox ("x (Ann's conflicted
# copy 2026-03-01).json"), Nextcloud ("x (conflicted copy 2026-03-01 101500).json"), ownCloud (`x_conflict-…`),
# case conflicts.
_CONFLICT = re.compile(r"(\.sync-conflict-|conflicted copy|_conflict-\d|\(case conflict)", re.I)


class SyncError(Exception):
    """The sync folder cannot be used for what was asked; the message says why in plain words."""


def devices_root(sync_dir: Path) -> Path:
    return sync_dir / APP_FOLDER / DEVICES_FOLDER


def device_folder(sync_dir: Path, device_id: str) -> Path:
    return devices_root(sync_dir) / device_id


def kept_root(data_dir: Path) -> Path:
    """The data folder's copies of other devices' ledgers."""
    return data_dir / DEVICES_FOLDER


def kept_folder(data_dir: Path, device_id: str) -> Path:
    return kept_root(data_dir) / device_id


def outgoing_folder(data_dir: Path) -> Path:
    return kept_root(data_dir) / OUTGOING


def leftover_kind(name: str) -> str | None:
    """"conflict copy" or "temporary file" for what a synchroniser leaves beside our files; None otherwise."""
    if _CONFLICT.search(name):
        return "conflict copy"
    if _TEMPORARY.match(name):
        return "temporary file"
    return None


def check_sync_folder(sync_dir: Path) -> None:
    """Raise SyncError unless `sync_dir` is an existing folder (it is never created: an unmounted share must
    not be replaced by an empty local folder)."""
    if not sync_dir.is_absolute():
        raise SyncError(f"the sync folder {sync_dir} is not an absolute path")
    if not sync_dir.exists():
        raise SyncError(f"the sync folder {sync_dir} does not exist (not mounted, or moved?); the copies read"
                        " before are used until it is back")
    if not sync_dir.is_dir():
        raise SyncError(f"the sync folder {sync_dir} is not a folder")
