"""What a scan did, in counts a person can check: files, calls, duplicates and every skipped line's reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_PROBLEMS = 50


@dataclass
class ScanSummary:
    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    files_reread: int = 0  # rewritten, truncated or replaced: read again from the start
    files_missing: int = 0
    bytes_read: int = 0
    usage_records: int = 0
    calls_new: int = 0
    calls_updated: int = 0
    duplicates: int = 0
    replays_dropped: int = 0
    calls_forgotten: int = 0  # calls of projects the user asked to forget, left out
    calls_future: int = 0  # calls dated after now (beyond the clock-skew allowance): counted, never "live"
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    sessions_touched: set[int] = field(default_factory=set)
    rollups_pending: int = 0  # file commits with calls whose rollups the caller must refresh (after_ingest)

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append("… more problems not listed")

    @property
    def lines_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "files_seen": self.files_seen, "files_read": self.files_read,
            "files_unchanged": self.files_unchanged, "files_reread": self.files_reread,
            "files_missing": self.files_missing, "bytes_read": self.bytes_read,
            "usage_records": self.usage_records, "calls_new": self.calls_new, "calls_updated": self.calls_updated,
            "duplicates_dropped": self.duplicates, "replays_dropped": self.replays_dropped,
            "calls_forgotten": self.calls_forgotten, "calls_dated_after_now": self.calls_future,
            "lines_skipped": dict(sorted(self.skipped.items())), "problems": list(self.problems),
        }

    def lines(self) -> list[str]:
        """The closing report of `tokenpulse scan`, one fact per line."""
        out = [
            f"files: {self.files_seen:,} seen, {self.files_read:,} read"
            f" ({self.bytes_read / 1e6:,.1f} MB), {self.files_unchanged:,} unchanged"
            + (f", {self.files_reread:,} rewritten and re-read" if self.files_reread else "")
            + (f", {self.files_missing:,} gone (their calls stay counted)" if self.files_missing else ""),
            f"calls: {self.calls_new:,} new, {self.calls_updated:,} updated to a later streaming record",
            f"duplicates dropped: {self.duplicates:,} (streaming copies, resumed or forked history,"
            f" re-emitted snapshots)"
            + (f"; {self.replays_dropped:,} sidechain replays" if self.replays_dropped else ""),
        ]
        if self.calls_future:
            out.append(f"calls dated after now: {self.calls_future:,} (counted; the log's clock may be wrong)")
        if self.calls_forgotten:
            out.append(f"calls left out: {self.calls_forgotten:,} (of projects you asked to forget)")
        if self.skipped:
            out.append(f"lines skipped: {self.lines_skipped:,}")
            out.extend(f"  {count:>8,}  {reason}" for reason, count in self.skipped.most_common())
        else:
            out.append("lines skipped: 0")
        out.extend(f"problem: {p}" for p in self.problems)
        return out
