"""Reading the other devices' ledgers from the sync folder: copied first, checked, then kept as the last good copy.

A synchroniser may replace a file while we read it, leave half a file, a conflict copy, or an older version
over a newer one. So nothing is read in the sync folder itself: the ledger is copied into the data folder
(hashed on the way), compared with its manifest's checksum and counts, checked for integrity and schema, and
only then replaces the last good copy of that device. Anything wrong keeps the last good copy and says why.
This device's own folder is never read back (its calls are in the live store), nor a device the user forgot.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.store.sync.checks import check_copy, describe, shared_calls
from tokenpulse.store.sync.identity import ID_PATTERN, clean_name
from tokenpulse.store.sync.layout import (
    KEPT,
    LEDGER,
    MANIFEST,
    SyncError,
    check_sync_folder,
    devices_root,
    kept_folder,
    kept_root,
    leftover_kind,
)
from tokenpulse.store.sync.manifest import Manifest, ManifestError, read_manifest, write_json

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class DeviceState:
    """Another device as this one sees it: the copy of its ledger in use (if any) and what is wrong, if anything."""

    device_id: str
    name: str
    manifest: Manifest | None = None  # the manifest of the copy in use
    copy: Path | None = None  # the last good copy, in the data folder; None: nothing usable yet
    taken_ms: int | None = None  # when that copy was taken
    problem: str | None = None  # why the newest published ledger is not the one in use
    notes: tuple[str, ...] = ()  # synchroniser leftovers seen and ignored
    updated: bool = False  # this pull took a new copy
    shared_calls: int = 0  # calls the copy shares with this device's own store


@dataclass(frozen=True, slots=True)
class PullReport:
    devices: tuple[DeviceState, ...] = ()
    problem: str | None = None  # about the sync folder as a whole
    ignored: tuple[str, ...] = field(default=())  # entries of the devices folder that are not devices


def kept_devices(data_dir: Path, own_id: str, forgotten: Collection[str] = ()) -> list[DeviceState]:
    """The last good copies in the data folder, without looking at the sync folder."""
    root = kept_root(data_dir)
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        if name == own_id or name in forgotten or not ID_PATTERN.match(name):
            continue
        state = _kept(data_dir, name)
        if state is not None:
            found.append(state)
    return found


def _kept(data_dir: Path, device_id: str) -> DeviceState | None:
    folder = kept_folder(data_dir, device_id)
    try:
        data = json.loads((folder / KEPT).read_text(encoding="utf-8"))
        manifest = Manifest.from_json(json.dumps(data["manifest"]))
        taken = int(data["taken_ms"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (folder / LEDGER).is_file() or manifest.device_id != device_id:
        return None
    return DeviceState(device_id, manifest.device_name, manifest, folder / LEDGER, taken)


def forget(data_dir: Path, device_id: str) -> bool:
    """Delete this device's copy of another device's ledger; True if there was one."""
    if not ID_PATTERN.match(device_id):
        return False
    folder = kept_folder(data_dir, device_id)
    if not folder.exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def pull(sync_dir: Path, data_dir: Path, own_id: str, main_db: Path, now_ms: int,
         forgotten: Collection[str] = ()) -> PullReport:
    """Take every other device's newest good ledger from the sync folder into the data folder."""
    for device_id in forgotten:
        forget(data_dir, device_id)
    kept = {s.device_id: s for s in kept_devices(data_dir, own_id, forgotten)}
    try:
        check_sync_folder(sync_dir)
        entries = sorted(os.scandir(devices_root(sync_dir)), key=lambda e: e.name)
    except SyncError as exc:
        return PullReport(tuple(kept.values()), str(exc))
    except FileNotFoundError:
        entries = []  # no device has published yet
    except OSError as exc:
        return PullReport(tuple(kept.values()), f"the sync folder {sync_dir} cannot be read: {exc.strerror or exc}")
    states: dict[str, DeviceState] = {}
    ignored: list[str] = []
    for entry in entries:
        name = entry.name
        if name == own_id or name in forgotten:
            continue  # never read back our own ledger (its calls are in the live store), nor a forgotten device
        if not ID_PATTERN.match(name) or not entry.is_dir(follow_symlinks=False):
            if not name.startswith("."):
                ignored.append(f"{clean_name(name)!r} ({leftover_kind(name) or 'not a device folder'})")
            continue
        states[name] = _pull_device(Path(entry.path), name, kept.get(name), data_dir, main_db, now_ms)
    for device_id, state in kept.items():
        if device_id not in states:
            states[device_id] = _with(state, problem="its folder is gone from the sync folder; the last copy taken"
                                                     " is still used (forget the device if it was removed)")
    return PullReport(tuple(sorted(states.values(), key=lambda s: (s.name.lower(), s.device_id))),
                      ignored=tuple(ignored))


def _with(state: DeviceState, **changes: object) -> DeviceState:
    from dataclasses import replace

    return replace(state, **changes)  # type: ignore[arg-type]


def _pull_device(folder: Path, device_id: str, kept: DeviceState | None, data_dir: Path, main_db: Path,
                 now_ms: int) -> DeviceState:
    base = kept or DeviceState(device_id, device_id[:8])
    notes = _leftovers(folder)
    if notes:
        base = _with(base, notes=notes)
    try:
        manifest = read_manifest(folder / MANIFEST)
    except FileNotFoundError:
        return _with(base, problem="it has published nothing complete yet (its files may still be arriving)")
    except ManifestError as exc:
        return _with(base, problem=f"its manifest cannot be used: {exc}")
    except OSError as exc:
        return _with(base, problem=f"its manifest cannot be read: {exc.strerror or exc}")
    if manifest.device_id != device_id:
        return _with(base, problem=f"its folder holds the manifest of another device ({manifest.device_id})")
    if kept is None:
        base = _with(base, name=manifest.device_name)
    elif kept.manifest is not None:
        old = kept.manifest
        if (manifest.ledger_sha256, manifest.written_ms) == (old.ledger_sha256, old.written_ms):
            return base  # unchanged since the copy we hold
        if manifest.written_ms < old.written_ms:
            return _with(base, problem=f"an older version of its ledger (written {_utc(manifest.written_ms)})"
                                       f" replaced the newer one (written {_utc(old.written_ms)}) in the sync"
                                       " folder; the newer copy is kept")
    incoming = kept_folder(data_dir, device_id)
    temp = incoming / f".incoming-{os.getpid()}"
    try:
        incoming.mkdir(parents=True, exist_ok=True, mode=0o700)
        size, sha = _copy(folder / LEDGER, temp)
    except FileNotFoundError:
        return _with(base, problem="its manifest arrived but its ledger did not (yet)")
    except OSError as exc:
        temp.unlink(missing_ok=True)
        return _with(base, problem=f"its ledger could not be copied: {exc.strerror or exc}")
    try:
        if (size, sha) != (manifest.ledger_bytes, manifest.ledger_sha256):
            return _with(base, problem="its ledger does not match its manifest's checksum (torn, or still being"
                                       " transferred by the synchroniser); "
                                       + ("the last good copy is used" if kept else "it is read once complete"))
        problem = check_copy(temp, manifest)
        if problem is not None:
            return _with(base, problem=problem + ("; the last good copy is used" if kept else ""))
        shared = shared_calls(temp, main_db)
        if shared and shared == manifest.counts.calls:
            forget(data_dir, device_id)
            return DeviceState(device_id, manifest.device_name, problem=(
                f"all {shared:,} of its calls are this device's own (an earlier identity of this machine, or a"
                " copy of its data folder): it is left out so nothing is counted twice; forget it with"
                " `tokenpulse sync --forget-device`"))
        os.replace(temp, incoming / LEDGER)
        write_json(incoming / KEPT, json.dumps({"manifest": json.loads(manifest.to_json()), "taken_ms": now_ms}),
                   private=True)
    except OSError as exc:
        return _with(base, problem=f"its ledger could not be kept in {incoming}: {exc.strerror or exc}")
    finally:
        temp.unlink(missing_ok=True)
    return DeviceState(device_id, manifest.device_name, manifest, incoming / LEDGER, now_ms, notes=notes,
                       updated=True, shared_calls=shared)


def _copy(src: Path, dst: Path) -> tuple[int, str]:
    """Copy and hash in one pass; the copy is private (0600)."""
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fout:
        while chunk := fin.read(_CHUNK):
            fout.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _leftovers(folder: Path) -> tuple[str, ...]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return ()
    notes = []
    for name in names:
        if name in (LEDGER, MANIFEST):
            continue
        kind = leftover_kind(name) or "unknown file"
        notes.append(f"ignored {kind} {clean_name(name)!r}")
    return tuple(notes)


def _utc(ms: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))


__all__ = ["DeviceState", "PullReport", "describe", "forget", "kept_devices", "pull"]
