"""Source health as a scan learns it: per file, whether it changed and whether the change brought a call, and
the lines it skipped by reason; summed per source and written once per write group, in its transaction.

The scanner makes one call per file (`file_done`, once the file is read and committed) and hands `flush` to its
write group, which runs it just before each COMMIT. A file's part is read off the scan's summary as the growth
of a few counters since the previous file, so the scanner's read paths stay as they are. A change's time is
the file's modification time, not the scan's: a scan run once a week still sees a week of changes.

The went-quiet streak (`learn`): `counted_change_ms` is the newest change that brought a call;
`quiet_since_ms` the oldest change after it that brought none. Whether that streak is long enough to say so is
insights/source_health.py's rule. Nothing here knows a source by name (issue 17 §3).
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.clock import Clock
from tokenpulse.ingest.summary import ScanSummary
from tokenpulse.store.health import HealthRow, calls_after, last_call_id, read_health, save_health

MAX_SKIP_SCANS = 10  # the scans that skipped lines kept per source ("the last scans")
MAX_REASON_CHARS = 120  # reasons are the parsers' short fixed texts; a longer one is cut, never stored whole


@dataclass(slots=True)
class Learned:
    """What the files of one source told a group of a scan."""

    last_change_ms: int | None = None
    counted_change_ms: int | None = None  # newest change that brought a call
    uncounted: list[int] = field(default_factory=list)  # times of changes that brought none
    skipped: Counter[str] = field(default_factory=Counter)


class HealthCollector:
    """One per scanner; `start` at each scan, `file_done` per file, `flush` from the write group."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        self._learned: dict[str, Learned] = {}
        self._skips_listed: set[str] = set()  # sources whose skips this scan already added to their row
        self._scan_ms = 0
        self._call_id = 0
        self._read = self._counted = self._skipped = 0
        self._skips_before: Counter[str] = Counter()

    def start(self, summary: ScanSummary) -> None:
        """A scan is about to read its files into `summary` (what is in it already belongs to no one file)."""
        self._scan_ms = self._clock.now_ms()
        self._call_id = last_call_id(self._conn)
        self._learned.clear()
        self._skips_listed.clear()
        self._read = summary.files_read
        self._counted = _counted(summary)
        self._skipped = summary.lines_skipped
        self._skips_before = summary.skipped.copy()

    def file_done(self, source: str, path: Path, summary: ScanSummary) -> None:
        """`path` of `source` was scanned into `summary`: note whether it changed, brought calls, skipped lines."""
        read = summary.files_read != self._read
        skipped = summary.lines_skipped
        if not read and skipped == self._skipped:
            return  # unchanged: the common case, nothing learned
        learned = self._learned.get(source)
        if learned is None:
            learned = self._learned[source] = Learned()
        if read:
            self._read = summary.files_read
            changed_ms = _modified_ms(path, self._scan_ms)
            learned.last_change_ms = _later(learned.last_change_ms, changed_ms)
            counted = _counted(summary)
            if counted != self._counted:
                self._counted = counted
                learned.counted_change_ms = _later(learned.counted_change_ms, changed_ms)
            else:
                learned.uncounted.append(changed_ms)
        if skipped != self._skipped:
            self._skipped = skipped
            learned.skipped.update(summary.skipped - self._skips_before)
            self._skips_before = summary.skipped.copy()

    def flush(self) -> None:
        """Merge what this group learned into the sources' rows, in the group's transaction."""
        if not self._learned:
            return
        newest_call, self._call_id = calls_after(self._conn, self._call_id)
        now_ms = self._clock.now_ms()
        rows = read_health(self._conn, self._learned)
        for name, learned in self._learned.items():
            row = rows.get(name)
            if row is None:
                row = rows[name] = HealthRow(name)
            learn(row, learned, newest_call.get(name), self._scan_ms, now_ms, name in self._skips_listed)
            if learned.skipped:
                self._skips_listed.add(name)
        save_health(self._conn, rows.values())
        self._learned.clear()


def learn(row: HealthRow, learned: Learned, newest_call_ms: int | None, scan_ms: int, now_ms: int,
          scan_listed: bool = False) -> None:
    """Fold one group's findings into a source's row (pure); `scan_listed`: an earlier group of the same scan
    already added its skipped lines to the row."""
    if learned.last_change_ms is not None:
        row.last_change_ms = _later(row.last_change_ms, learned.last_change_ms)
    if learned.counted_change_ms is not None:
        row.counted_change_ms = _later(row.counted_change_ms, learned.counted_change_ms)
        row.last_counted_ms = now_ms
    if newest_call_ms is not None:
        row.last_call_ms = _later(row.last_call_ms, newest_call_ms)
    anchor = row.counted_change_ms
    after = [t for t in learned.uncounted if anchor is None or t > anchor]
    if row.quiet_since_ms is not None and (anchor is None or row.quiet_since_ms > anchor):
        after.append(row.quiet_since_ms)
    elif anchor is not None and row.last_uncounted_ms is not None and row.last_uncounted_ms > anchor:
        # an older change with calls, read only now, cut the streak: its start is unknown, its end is not
        after.append(row.last_uncounted_ms)
    row.quiet_since_ms = min(after) if after else None
    if learned.uncounted:
        row.last_uncounted_ms = _later(row.last_uncounted_ms, max(learned.uncounted))
    if learned.skipped:
        row.recent_skips = _with_skips(row.recent_skips, scan_ms, learned.skipped, scan_listed)
    row.updated_ms = now_ms


def _with_skips(scans: Iterable[tuple[int, dict[str, int]]], scan_ms: int, skipped: Counter[str],
                scan_listed: bool) -> list[tuple[int, dict[str, int]]]:
    """The last MAX_SKIP_SCANS scans with skips, this one included (a scan spanning groups adds up)."""
    out = [(at, dict(reasons)) for at, reasons in scans]
    this_scan: Counter[str] = Counter()
    for reason, lines in skipped.items():
        this_scan[reason[:MAX_REASON_CHARS]] += lines
    if scan_listed and out:
        this_scan.update(out.pop()[1])
    out.append((scan_ms, dict(this_scan)))
    return out[-MAX_SKIP_SCANS:]


def _counted(summary: ScanSummary) -> int:
    """Calls the scan took from its files so far. Forgotten projects' calls count too: the format was read."""
    return summary.calls_new + summary.calls_updated + summary.calls_forgotten


def _modified_ms(path: Path, fallback_ms: int) -> int:
    try:
        return os.stat(path).st_mtime_ns // 1_000_000
    except OSError:  # gone since it was read: it changed no later than now
        return fallback_ms


def _later(a: int | None, b: int) -> int:
    return b if a is None or b > a else a
