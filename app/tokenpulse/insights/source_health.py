"""Whether each source is healthy: the went-quiet rule, and the facts a report of the sources reads.

A source **went quiet** when it counted calls before, and its files then kept changing for at least a day
(QUIET_AFTER_MS, from the first change after the last one that brought a call to the latest change) without
any change bringing a call: the agent is in use, but its new lines are not read, which is what a format change
looks like. The flag clears at the next counted call, and is no longer raised once the files have not changed
for STALE_AFTER_MS (the agent is no longer used). The same rule holds for every source (issue 17 §3).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tokenpulse.sources import registry
from tokenpulse.store.health import HealthRow, file_counts, read_health

HOUR_MS = 3_600_000
QUIET_AFTER_MS = 24 * HOUR_MS
STALE_AFTER_MS = 7 * 24 * HOUR_MS

FolderState = Literal["exists", "missing", "unreadable", "not a folder"]


def went_quiet(row: HealthRow, now_ms: int) -> bool:
    return (row.counted_change_ms is not None and row.quiet_since_ms is not None
            and row.last_change_ms is not None
            and row.last_change_ms - row.quiet_since_ms >= QUIET_AFTER_MS
            and now_ms - row.last_change_ms <= STALE_AFTER_MS)


@dataclass(frozen=True, slots=True)
class QuietSource:
    """A source that went quiet, as the summary and the tray menu name it."""

    name: str
    label: str
    last_call_ms: int | None  # its newest counted call
    quiet_since_ms: int  # its first change that brought no call


def quiet_sources(conn: sqlite3.Connection, now_ms: int) -> tuple[QuietSource, ...]:
    """The sources that went quiet, in the registry's order (cheap enough for every snapshot: only rows with a
    streak are read, usually none)."""
    rows = read_health(conn, streaks_only=True)
    if not rows:
        return ()
    labels = {s.name: s.label for s in registry.all_sources()}
    order = {name: i for i, name in enumerate(labels)}
    quiet = [row for row in rows.values() if went_quiet(row, now_ms)]
    quiet.sort(key=lambda r: (order.get(r.source, len(order)), r.source))
    return tuple(QuietSource(r.source, labels.get(r.source, r.source), r.last_call_ms, r.quiet_since_ms or 0)
                 for r in quiet)


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What the store knows of one source's health."""

    files_known: int = 0  # files read at least once and still there
    files_gone: int = 0  # files the agent deleted or moved (their calls stay counted)
    health: HealthRow | None = None
    went_quiet: bool = False


def source_facts(conn: sqlite3.Connection, now_ms: int) -> dict[str, SourceFacts]:
    """Per source name, what the store knows (sources it knows nothing of are absent)."""
    rows = read_health(conn)
    files = file_counts(conn)
    out: dict[str, SourceFacts] = {}
    for name in sorted(set(rows) | set(files)):
        known, gone = files.get(name, (0, 0))
        row = rows.get(name)
        out[name] = SourceFacts(known, gone, row, row is not None and went_quiet(row, now_ms))
    return out


def folder_state(path: Path) -> FolderState:
    """Whether a folder a source looks in is there and can be listed (a few stat calls)."""
    try:
        if not path.exists():
            return "missing"
        if not path.is_dir():
            return "not a folder"
    except OSError:  # a parent that cannot be entered
        return "unreadable"
    return "exists" if os.access(path, os.R_OK | os.X_OK) else "unreadable"
