"""A damaged store: confirm it with `PRAGMA quick_check`, move it aside (kept, never deleted), start again.

The new store starts from the newest backup that passes its own check (see `backup.py`), or empty; either way
the next scan reads the agents' logs again from the cursors it holds, so only the calls whose logs the agents
have since deleted can be missing. What happened is written, in plain words and one line, to a notice file in
the data folder that the CLI prints and the app shows once (`take_notice`); SQLite's findings go to the log.

Import-light (sqlite3 and the standard library only): `db.connect` imports it only when something went wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tokenpulse.store import backup as backups
from tokenpulse.store.damage import DAMAGED_SUFFIX, move_aside
from tokenpulse.store.notice import write_notice


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


def recover(db_path: Path, backups_dir: Path | None = None, *, reason: str = "it failed its integrity check",
            now_ms: int | None = None) -> RecoveryReport:
    """Move a damaged store aside and start the new one from the newest good backup, if any.

    Call it with no connection open on `db_path` in this process (`db.connect` does, under its setup lock).
    The notice for the user is written to the data folder (`take_notice`).
    """
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




def _utc_text(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))
