"""The plan-limits journal (issue 11): readings the status line could not write to the store at once (the app
runs, or the store was busy) wait here, one JSON object a line, until the next writer folds them in.

Appending takes the file's lock for the few microseconds of one write, never waiting long: a status line must
not block. Folding reads what is there, stores it (idempotent: folding twice changes nothing), then removes
exactly the bytes it stored, keeping whatever was appended meanwhile. The journal is small by design (the
status line writes only changes) and capped: past MAX_BYTES a reading is dropped rather than grow it.

Standard library only at import time: the status line imports this module.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.platform.flock import lock_within

if TYPE_CHECKING:
    import sqlite3

    from tokenpulse.quota import LimitRecords

FOLDER = "statusline"  # in the data folder, on its own: the app watches it without waking on the store's writes
JOURNAL_NAME = "journal.jsonl"
MAX_BYTES = 256 * 1024
LOCK_WAIT_S = 0.02


def folder_in(data_dir: Path) -> Path:
    return data_dir / FOLDER


def path_in(data_dir: Path) -> Path:
    return folder_in(data_dir) / JOURNAL_NAME


def ensure_folder(data_dir: Path) -> Path:
    """The journal's folder, created private (0700) with the data folder when they do not exist yet."""
    folder = folder_in(data_dir)
    if not folder.is_dir():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(exist_ok=True, mode=0o700)
    return folder


def _lock(fd: int, wait_s: float) -> bool:
    return lock_within(fd, wait_s, poll_s=0.001)  # a status line writes for microseconds: ask often


def append(data_dir: Path, entries: list[dict[str, Any]]) -> bool:
    """Add entries in one write; False when they were dropped (the journal is full or stayed locked)."""
    if not entries:
        return True
    data = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries).encode("utf-8")
    ensure_folder(data_dir)
    fd = os.open(path_in(data_dir), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if not _lock(fd, LOCK_WAIT_S):
            return False
        if os.fstat(fd).st_size + len(data) > MAX_BYTES:
            return False
        os.write(fd, data)
        return True
    finally:
        os.close(fd)  # closing releases the lock


def decode(data: bytes) -> tuple[LimitRecords, int]:
    """The records of a journal's bytes and how many lines could not be used (checked like log input)."""
    from tokenpulse.quota import ContextWindowSeen, LimitRecords, LimitSnapshot, plausible_percent

    out, bad = LimitRecords(), 0
    for raw in data.splitlines():
        try:
            e = json.loads(raw)
            if e["k"] == "snap":
                used = plausible_percent(e["used_percent"])
                minutes, observed, resets = e["window_minutes"], e["observed_ms"], e.get("resets_ms")
                if used is None or type(minutes) is not int or type(observed) is not int or not (
                        resets is None or type(resets) is int):
                    raise ValueError(raw)
                out.snapshots.append(LimitSnapshot(str(e["source"]), minutes, used, observed, resets,
                                                   via=str(e.get("via") or "statusline")))
            elif e["k"] == "window":
                tokens, seen = e["tokens"], e["seen_ms"]
                if type(tokens) is not int or type(seen) is not int:
                    raise ValueError(raw)
                model = e.get("model")
                out.windows.append(ContextWindowSeen(str(e["source"]), str(e["session_key"]),
                                                     model if isinstance(model, str) else None, tokens, seen))
            else:
                raise ValueError(raw)
        except (ValueError, KeyError, TypeError):
            bad += 1
    return out, bad


def fold(conn: sqlite3.Connection, data_dir: Path) -> int:
    """Store what the journal holds and remove it; returns the records stored. The caller is the store's writer."""
    from tokenpulse.store.limits import write_records

    path = path_in(data_dir)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return 0
    try:
        if not _lock(fd, 1.0):
            return 0  # a status line holds it (never for long): the next fold takes it
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0) if size else b""
        fcntl.flock(fd, fcntl.LOCK_UN)
        if not data:
            return 0
        records, _bad = decode(data)
        write_records(conn, records)  # committed before the bytes are removed: a crash here folds them again
        if not _lock(fd, 1.0):
            return len(records.snapshots) + len(records.windows)
        rest = os.pread(fd, os.fstat(fd).st_size - size, size)
        os.ftruncate(fd, 0)
        if rest:
            os.pwrite(fd, rest, 0)
        return len(records.snapshots) + len(records.windows)
    finally:
        os.close(fd)
