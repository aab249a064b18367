"""Keeping the work figures in the store current: which folders to read (every project folder in the store, each
from a day before its first agent call), the read itself (the work reader, git), and the write (store.git_work).

The three steps are separate so that the app can run the read, which may take seconds, on a thread of its own
and write the result in slices on its worker (service/work_refresh.py); `refresh` runs them in a row for the
CLI. The caller is the writer: the CLI under the scan lock, or the app's worker.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from tokenpulse.insights.spend_days import first_call_per_folder
from tokenpulse.store import git_work
from tokenpulse.work.figures import RepoState
from tokenpulse.work.reader import Progress, WorkReader, WorkScan

# Two git processes at a time: the machine's cores (a read is git diffing commits, CPU-bound); more only
# competes with the user's own work.
READ_WORKERS = 2


def reader(git_emails: tuple[str, ...], env: Mapping[str, str] | None = None) -> WorkReader:
    """A work reader for the user's settings (their extra addresses), with git's environment (default: this
    process's)."""
    return WorkReader(env=dict(os.environ if env is None else env), identities=git_emails,
                      workers=min(READ_WORKERS, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class Folders:
    """What a refresh reads: every project folder seen in the logs, and the earliest call in each."""

    first_call_ms: dict[str, int]

    @property
    def folders(self) -> list[str]:
        return list(self.first_call_ms)


def folders(conn: sqlite3.Connection) -> Folders:
    return Folders(first_call_per_folder(conn))


def read(work_reader: WorkReader, wanted: Folders, previous: Mapping[str, RepoState],
         progress: Progress | None = None) -> WorkScan:
    """Run git where something changed (no store access: this may run on any thread)."""
    return work_reader.refresh(wanted.folders, previous, wanted.first_call_ms, progress)


def refresh(conn: sqlite3.Connection, work_reader: WorkReader, now_ms: int,
            progress: Progress | None = None) -> WorkScan:
    """Read what changed since the figures in the store were made, and write it; the figures as they now are."""
    previous = git_work.load_states(conn)
    scan = read(work_reader, folders(conn), previous, progress)
    git_work.save(conn, scan, now_ms, previous)
    return scan
