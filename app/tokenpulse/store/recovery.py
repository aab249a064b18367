"""A damaged store: confirm it with `PRAGMA quick_check`, move it aside (kept, never deleted), start again.

The new store starts from the newest backup that passes its own check (see `backup.py`), or empty; either way
the next scan reads the agents' logs again from the cursors it holds, so only the calls whose logs the agents
have since deleted can be missing. What happened is written, in plain words and one line, to a notice file in
the data folder that the CLI prints and the app shows once (`take_notice`); SQLite's findings go to the log.

Import-light (sqlite3 and the standard library only): `db.connect` imports it only when something went wrong.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

CORRUPT_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
NOTICE_NAME = "recovery-notice.txt"
DAMAGED_SUFFIX = ".damaged"  # marker beside the store: a command met corruption; check it at the next open
CORRUPT_INFIX = ".corrupt-"
BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What `recover` did, for people (`lines`) and for tests."""

    db_path: Path
    moved_to: Path | None  # where the damaged files went (None: there was no file to move)
    restored_from: Path | None  # the backup the new store started from (None: it starts empty)
    backup_taken_ms: int | None
    reason: str

    def lines(self) -> list[str]:
        """One line for people (the CLI prints it, the app shows it once); SQLite's full findings, which can
        run to a hundred lines, go to the log (`recover`)."""
        text = f"the store {self.db_path} was damaged ({first_finding(self.reason)})"
        if self.moved_to is not None:
            text += f"; it was moved aside to {self.moved_to} (kept, not deleted)"
        if self.restored_from is not None:
            when = _utc_text(self.backup_taken_ms) if self.backup_taken_ms is not None else "an earlier day"
            text += (f". A new store was started from the backup of {when} ({self.restored_from.name}); the logs"
                     " are read again, so only calls from logs deleted since that backup could be missing.")
        else:
            text += (". A new store is being rebuilt from the logs that still exist. Calls from logs the agents"
                     " have already deleted (Claude Code keeps 30 days by default) could not be recovered; daily"
                     " backups in the backups folder make this avoidable next time.")
        return [text]


def first_finding(reason: str, width: int = 100) -> str:
    """The first problem SQLite reported, shortened, with how many more there were."""
    findings = [ln.strip() for ln in reason.splitlines() if ln.strip() and not ln.startswith("***")]
    if not findings:
        return "it failed its integrity check"
    first = findings[0] if len(findings[0]) <= width else findings[0][: width - 1] + "…"
    more = len(findings) - 1
    return first + (f", and {more} more problem{'s' if more > 1 else ''}" if more else "")


def _log_findings(report: RecoveryReport) -> None:
    """SQLite's findings in full, as one log record (logging is imported here: `take_notice` runs on every
    command and must stay light)."""
    import logging

    log = logging.getLogger(__name__)
    if not log.handlers:
        # the details go to the app's log when it keeps one; a CLI run that configured no logging prints the
        # one-line notice only, instead of Python's fallback printing every finding on stderr
        log.addHandler(logging.NullHandler())
    findings = " | ".join(ln.strip() for ln in report.reason.splitlines() if ln.strip())
    log.warning("damaged store %s moved aside to %s, restored from %s; SQLite found: %s", report.db_path,
                report.moved_to, report.restored_from or "no backup", findings)


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


def recover(db_path: Path, backups_dir: Path | None = None, *, reason: str = "it failed its integrity check",
            now_ms: int | None = None) -> RecoveryReport:
    """Move a damaged store aside and start the new one from the newest good backup, if any.

    Call it with no connection open on `db_path` in this process (`db.connect` does, under its setup lock).
    The notice for the user is written to the data folder (`take_notice`).
    """
    from tokenpulse.store import backup as backups

    backups_dir = db_path.parent / "backups" if backups_dir is None else backups_dir
    moved = move_aside(db_path, now_ms)
    restored: backups.Backup | None = None
    for candidate in reversed(backups.list_backups(backups_dir)):  # newest first
        if backups.verify(candidate.path) is None:
            backups.copy_into_place(candidate.path, db_path)
            restored = candidate
            break
    mark = db_path.with_name(db_path.name + DAMAGED_SUFFIX)
    mark.unlink(missing_ok=True)
    report = RecoveryReport(db_path=db_path, moved_to=moved, restored_from=restored.path if restored else None,
                            backup_taken_ms=restored.taken_ms if restored else None, reason=reason)
    _log_findings(report)
    write_notice(db_path.parent, report.lines())
    return report


# ---------------------------------------------------------------------------------------------
# Errors met while a command runs (after `connect` succeeded)
# ---------------------------------------------------------------------------------------------

def plain_words(exc: BaseException, db_path: Path) -> str:
    """One or two sentences for a person about an error from the store, without a traceback."""
    context = exc.__context__
    if "no transaction is active" in str(exc) and isinstance(context, (sqlite3.Error, OSError)):
        exc = context  # SQLite had already rolled back after the real error (e.g. a full disk)
    name = getattr(exc, "sqlite_errorname", "") or ""
    errno = getattr(exc, "errno", None)
    folder = db_path.parent
    if name.startswith("SQLITE_FULL") or errno == 28:
        return (f"the disk holding {folder} is full, so the store could not be written. Free some space and run"
                " tokenpulse again: nothing is lost, the logs are read again from where the store stopped.")
    if name.startswith("SQLITE_READONLY") or errno in (13, 30) or name.startswith("SQLITE_PERM"):
        return (f"the data folder {folder} (or the store in it) is read-only. tokenpulse needs to write there:"
                " make it writable, or choose another folder with TOKENPULSE_HOME or --data-dir.")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return (f"the store {db_path} stayed locked by another program for more than {BUSY_TIMEOUT_S:.0f} s;"
                " try again in a moment.")
    if is_corrupt_error(exc):
        return (f"the store {db_path} is damaged ({exc}). Run tokenpulse again: it will move the damaged file"
                " aside (keeping it) and rebuild the store from your backups and the logs that still exist.")
    if name.startswith("SQLITE_IOERR") or isinstance(exc, OSError):
        return f"the disk reported an error while using {db_path} ({exc}); check the disk and try again."
    if name.startswith("SQLITE_CANTOPEN"):
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


# ---------------------------------------------------------------------------------------------
# The notice shown once
# ---------------------------------------------------------------------------------------------

def write_notice(data_dir: Path, lines: list[str]) -> None:
    """Append lines to the notice the CLI prints and the app shows once (0600)."""
    path = data_dir / NOTICE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode("utf-8", "replace"))
        finally:
            os.close(fd)
    except OSError:
        pass  # the store was still recovered; the notice is a courtesy


def take_notice(data_dir: Path) -> list[str]:
    """The pending notice lines (once: the file is removed), or [] when there is none."""
    path = data_dir / NOTICE_NAME
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        path.unlink()
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _utc_text(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))
