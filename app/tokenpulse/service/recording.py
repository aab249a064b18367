"""What the app still owes the store: files whose changes were not recorded yet, and when to try again.

The watcher is a shortcut, not the truth. A batch that could not be written (a full disk, a store locked past
its timeout, the scan lock held by a CLI scan) keeps its files pending and is retried with a growing pause;
a first import that failed is run again the same way; and a periodic rescan, cheap because unchanged files are
skipped on their size and time, catches whatever an event missed. One plain line per failure goes to the log
and to the tray ("not recording: the disk is full — retrying in 30 s"); recovery needs no restart.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.clock import Clock
from tokenpulse.store.damage import short_words
from tokenpulse.store.errors import StoreError

log = logging.getLogger(__name__)

FIRST_RETRY_MS = 2_000
MAX_RETRY_MS = 60_000
BUSY_RETRY_MS = 5_000  # the scan lock is held by another tokenpulse: it usually finishes in seconds

# What a failed write looks like: the store, its disk or its lock said no. Anything else is a bug and is
# reported with its traceback.
RECORDING_ERRORS = (StoreError, sqlite3.Error, OSError)


def failure_words(exc: BaseException) -> str:
    """A few plain words for a failed write ("the disk is full"; no traceback)."""
    if isinstance(exc, StoreError):
        return " ".join(str(exc).split())
    return short_words(exc)


@dataclass
class Recording:
    clock: Clock
    rescan_every_ms: int  # 0: no periodic rescan
    pending: set[Path] = field(default_factory=set)  # changed files not recorded yet
    backfill_due: bool = False  # a whole scan failed or was deferred: run it again
    failure: str | None = None  # the last failure, in plain words; None while recording
    retry_at_ms: int | None = None
    next_rescan_ms: int | None = None
    _attempts: int = 0

    def __post_init__(self) -> None:
        self.rescan_done()

    # --- outcomes -----------------------------------------------------------------------------------------

    def recorded(self) -> None:
        """A write succeeded: whatever was failing works again."""
        if self.failure is not None:
            log.info("recording again after: %s", self.failure)
        self.failure, self.retry_at_ms, self._attempts = None, None, 0

    def busy(self, files: set[Path] | None = None, *, whole_scan: bool = False) -> None:
        """Another tokenpulse holds the scan lock: not a failure, try again shortly."""
        self._keep(files, whole_scan)
        self.retry_at_ms = self.clock.now_ms() + BUSY_RETRY_MS

    def failed(self, exc: BaseException, files: set[Path] | None = None, *, whole_scan: bool = False) -> str:
        """A write failed: keep what it was for, and try again after a pause that doubles up to a minute."""
        self._keep(files, whole_scan)
        self.failure = failure_words(exc)
        delay = min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** self._attempts)
        self._attempts += 1
        self.retry_at_ms = self.clock.now_ms() + delay
        log.warning("not recording (%s); retrying in %d s", self.failure, delay // 1000)
        return self.failure

    def rescan_done(self) -> None:
        self.next_rescan_ms = self.clock.now_ms() + self.rescan_every_ms if self.rescan_every_ms > 0 else None

    def _keep(self, files: set[Path] | None, whole_scan: bool) -> None:
        if files:
            self.pending |= files
        self.backfill_due = self.backfill_due or whole_scan

    # --- what is due ----------------------------------------------------------------------------------------

    def retry_due(self, now_ms: int) -> bool:
        return self.retry_at_ms is not None and now_ms >= self.retry_at_ms

    def rescan_due(self, now_ms: int) -> bool:
        return self.next_rescan_ms is not None and now_ms >= self.next_rescan_ms

    def deadlines(self) -> list[int]:
        return [t for t in (self.retry_at_ms, self.next_rescan_ms) if t is not None]

    def take_pending(self) -> set[Path]:
        files, self.pending = self.pending, set()
        return files

    def problem_line(self, now_ms: int) -> str | None:
        """The tray's line while writes fail."""
        if self.failure is None:
            return None
        wait_s = max(0, ((self.retry_at_ms or now_ms) - now_ms + 999) // 1000)
        return f"not recording: {self.failure} — retrying in {wait_s} s"


def store_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the store file; None when it is gone. A different answer than at opening means the
    file was replaced (restored by hand, moved): the app must reopen it rather than write to the orphan."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino
