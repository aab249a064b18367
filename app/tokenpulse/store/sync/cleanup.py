"""Deleting what syncing keeps: for `tokenpulse forget --all`, this device's id and its copies of other devices'
ledgers in the data folder, and this device's own published files in the sync folder (never another device's).
Only files tokenpulse writes are deleted, by name; folders only when nothing else is left in them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from tokenpulse.store.sync.identity import ID_FILE, ID_PATTERN
from tokenpulse.store.sync.layout import KEPT, LEDGER, MANIFEST, OUR_TEMP_PREFIX, OUTGOING, kept_root
from tokenpulse.store.sync.publish import RECORD

_OURS_IN_KEPT = (LEDGER, KEPT)
_OURS_IN_OUTGOING = (LEDGER, RECORD)


def forget_local(data_dir: Path) -> list[Path]:
    removed: list[Path] = []
    root = kept_root(data_dir)
    if root.is_dir() and not root.is_symlink():
        for name in sorted(os.listdir(root)):
            folder = root / name
            if folder.is_symlink() or not folder.is_dir():
                continue
            if ID_PATTERN.match(name):
                removed += _delete(folder, lambda n: n in _OURS_IN_KEPT or n.startswith(".incoming-"))
            elif name == OUTGOING:
                removed += _delete(folder, lambda n: n in _OURS_IN_OUTGOING or n.startswith(OUR_TEMP_PREFIX))
        _rmdir_if_empty(root)
    id_file = data_dir / ID_FILE
    if id_file.is_file() or id_file.is_symlink():
        id_file.unlink(missing_ok=True)
        removed.append(id_file)
    return removed


def unpublish(folder: Path) -> list[Path]:
    """This device's own folder in the sync folder (`device_folder(sync_dir, own id)`)."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    return _delete(folder, lambda n: n in (LEDGER, MANIFEST) or n.startswith(OUR_TEMP_PREFIX))


def _delete(folder: Path, ours: Callable[[str], bool]) -> list[Path]:
    removed = []
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if ours(name) and (path.is_file() or path.is_symlink()):
            path.unlink(missing_ok=True)
            removed.append(path)
    _rmdir_if_empty(folder)
    return removed


def _rmdir_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty (or not ours to remove)
        folder.rmdir()
