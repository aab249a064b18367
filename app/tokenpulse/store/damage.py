"""Damage to the store: telling a damaged file from a busy or full one, saying an error in plain words, and
marking or moving a damaged store aside (kept, never deleted) for `recovery` to start again.

Import-light (sqlite3 and the standard library only).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

CORRUPT_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
DAMAGED_SUFFIX = ".damaged"  # marker beside the store: a command met corruption; check it at the next open
CORRUPT_INFIX = ".corrupt-"
BUSY_TIMEOUT_S = 30.0


def is_corrupt_error(exc: BaseException) -> bool:
    """Whether an sqlite3 error says the file's content is damaged (not busy, full, read-only or missing)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return any(name == code or name.startswith(code + "_") for code in CORRUPT_CODES)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def quick_check(db_path: Path) -> str | None:
    """None when the file passes `PRAGMA quick_check`, else the first problem in words.

    Raises sqlite3.OperationalError when the check cannot run at all (busy, unreadable, cannot open): that is
    not evidence of damage, and a store is never moved aside on it.
    """
    conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if is_corrupt_error(exc):
            return str(exc)
        raise
    finally:
        conn.close()
    if rows == [("ok",)]:
        return None
    return str(rows[0][0]) if rows else "the integrity check returned nothing"


def is_corrupt(db_path: Path) -> bool:
    """Whether the store file exists and fails SQLite's quick check."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return False
    return quick_check(db_path) is not None


def move_aside(db_path: Path, now_ms: int | None = None) -> Path | None:
    """Rename the store and its -wal/-shm to `<name>.corrupt-<UTC time>[-n]`; returns the new main path."""
    if not db_path.exists():
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime((_now_ms() if now_ms is None else now_ms) / 1000))
    base = db_path.with_name(f"{db_path.name}{CORRUPT_INFIX}{stamp}")
    target, n = base, 1
    while target.exists():
        target = base.with_name(f"{base.name}-{n}")
        n += 1
    os.replace(db_path, target)
    for suffix in ("-wal", "-shm"):
        side = db_path.with_name(db_path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target


def error_kind(exc: BaseException) -> str:
    """What went wrong with the store, as one of: full, read-only, busy, damaged, disk, cannot-open, other."""
    context = exc.__context__
    if "no transaction is active" in str(exc) and isinstance(context, (sqlite3.Error, OSError)):
        exc = context  # SQLite had already rolled back after the real error (e.g. a full disk)
    name = getattr(exc, "sqlite_errorname", "") or ""
    errno = getattr(exc, "errno", None)
    if name.startswith("SQLITE_FULL") or errno == 28:
        return "full"
    if name.startswith("SQLITE_READONLY") or errno in (13, 30) or name.startswith("SQLITE_PERM"):
        return "read-only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "busy"
    if is_corrupt_error(exc):
        return "damaged"
    if name.startswith("SQLITE_IOERR") or isinstance(exc, OSError):
        return "disk"
    if name.startswith("SQLITE_CANTOPEN"):
        return "cannot-open"
    return "other"


_SHORT = {"full": "the disk is full", "read-only": "the store is read-only",
          "busy": "the store is locked by another program", "damaged": "the store is damaged",
          "disk": "the disk reported an error", "cannot-open": "the store cannot be opened"}


def short_words(exc: BaseException) -> str:
    """A few words for a status line ("the disk is full")."""
    return _SHORT.get(error_kind(exc)) or " ".join(str(exc).split())[:120]


def plain_words(exc: BaseException, db_path: Path) -> str:
    """One or two sentences for a person about an error from the store, without a traceback."""
    context = exc.__context__
    if "no transaction is active" in str(exc) and isinstance(context, (sqlite3.Error, OSError)):
        exc = context
    kind = error_kind(exc)
    folder = db_path.parent
    if kind == "full":
        return (f"the disk holding {folder} is full, so the store could not be written. Free some space and run"
                " tokenpulse again: nothing is lost, the logs are read again from where the store stopped.")
    if kind == "read-only":
        return (f"the data folder {folder} (or the store in it) is read-only. tokenpulse needs to write there:"
                " make it writable, or choose another folder with TOKENPULSE_HOME or --data-dir.")
    if kind == "busy":
        return (f"the store {db_path} stayed locked by another program for more than {BUSY_TIMEOUT_S:.0f} s;"
                " try again in a moment.")
    if kind == "damaged":
        return (f"the store {db_path} is damaged ({exc}). Run tokenpulse again: it will move the damaged file"
                " aside (keeping it) and rebuild the store from your backups and the logs that still exist.")
    if kind == "disk":
        return f"the disk reported an error while using {db_path} ({exc}); check the disk and try again."
    if kind == "cannot-open":
        return f"the store {db_path} cannot be opened; check that {folder} exists and is yours."
    return f"the store {db_path} cannot be used: {exc}"


def after_error(db_path: Path, exc: BaseException) -> str:
    """What to tell the user about an error a command met; marks a damaged store for the next `connect`.

    The caller should close its connection afterwards; the next `connect` confirms the damage with
    `PRAGMA quick_check` and recovers (deep damage is otherwise only seen when a query touches it).
    """
    if is_corrupt_error(exc):
        try:
            mark = db_path.with_name(db_path.name + DAMAGED_SUFFIX)
            fd = os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, str(exc).encode("utf-8", "replace"))
            finally:
                os.close(fd)
        except OSError:
            pass
    return plain_words(exc, db_path)


def marked_damaged(db_path: Path) -> str | None:
    """The error recorded by `after_error`, if a command met corruption since the last check."""
    mark = db_path.with_name(db_path.name + DAMAGED_SUFFIX)
    try:
        return mark.read_text(encoding="utf-8", errors="replace") or "a query met a damaged page"
    except OSError:
        return None


def clear_mark(db_path: Path) -> None:
    db_path.with_name(db_path.name + DAMAGED_SUFFIX).unlink(missing_ok=True)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
