"""Plan-limit readings from outside the session logs (issue 11), taken in by the store's writer after each scan:
the status line's journal, and Claude Code's cached account usage (only when its file changed); and, once after
the upgrade that added them, the readings in the log lines read before it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from tokenpulse.config.settings import Limits
from tokenpulse.quota import LimitRecords
from tokenpulse.sources.base import Source, file_kind
from tokenpulse.store.ledger import Cursor, path_key
from tokenpulse.store.limits import backfill_done, backfill_pending, write_records
from tokenpulse.store.limits_journal import fold


def _warn(message: str, *args: object) -> None:
    """Logged where the app's log goes (logging is imported only then: `status` starts in a few ms)."""
    import logging

    logging.getLogger(__name__).warning(message, *args)

Signature = tuple[tuple[str, int, int], ...]


class LimitInputs:
    """Kept by a Workspace: remembers what the cache file looked like when last read."""

    def __init__(self, data_dir: Path, env: Mapping[str, str], home: Path) -> None:
        self.data_dir = data_dir
        self.env = env
        self.home = home
        self._cache_seen: Signature | None = None

    def take(self, conn: sqlite3.Connection, lim: Limits) -> int:
        """Store what is waiting; returns the readings stored. Never raises for a bad input file."""
        stored = 0
        try:
            stored += fold(conn, self.data_dir)
        except OSError as exc:
            _warn("status-line journal not read: %s", exc)
        if lim.read_claude_cache:
            stored += self._take_cache(conn)
        return stored

    def _take_cache(self, conn: sqlite3.Connection) -> int:
        from tokenpulse.sources.claude_code.usage_cache import candidates, read_cached_usage, signature

        paths = candidates(self.env, self.home)
        seen = signature(paths)
        if seen == self._cache_seen or not seen:  # unchanged, or no state file at all
            self._cache_seen = seen
            return 0
        snaps = read_cached_usage(paths)
        if snaps:
            write_records(conn, LimitRecords(snapshots=snaps))
        self._cache_seen = seen
        return len(snaps)


_CHUNK = 4 * 1024 * 1024


def backfill(conn: sqlite3.Connection, files: Callable[[], Iterable[tuple[Source, Path]]],
             cursors: Callable[[], dict[str, Cursor]]) -> int:
    """Once after the upgrade to 0006: feed the lines before each cursor to a fresh parser and store only its
    plan-limit records (its calls are already stored). In the scan's file order, so the rows come out as a
    store that was always at the current schema holds them. Returns the files read; the log folders are not
    even listed when there is nothing to do (the usual case: one query)."""
    if not backfill_pending(conn):
        return 0
    read = 0
    known = cursors()
    for source, path in files():
        cursor = known.get(path_key(path))
        if cursor is None or cursor.missing or cursor.offset <= 0 or file_kind(source, path) != "lines":
            continue
        parser = source.parser(path, None)
        if getattr(parser, "limits", None) is None:
            continue  # a source without plan limits
        try:
            for line in _lines_before(path, cursor.offset):
                parser.feed(line)
        except OSError as exc:  # gone or unreadable since: its readings are lost, its calls are not
            _warn("plan limits not read from %s: %s", path, exc)
            continue
        records = parser.limits.take()  # type: ignore[attr-defined]
        if records:
            write_records(conn, records)
        read += 1
    backfill_done(conn)
    return read


def _lines_before(path: Path, end: int) -> Iterable[bytes]:
    """The complete lines in [0, end) (a cursor's offset is just past a newline), read in chunks."""
    fd = os.open(path, os.O_RDONLY)
    try:
        pos, carry = 0, b""
        while pos < end:
            chunk = os.pread(fd, min(_CHUNK, end - pos), pos)
            if not chunk:
                break
            pos += len(chunk)
            lines = (carry + chunk).split(b"\n")
            carry = lines.pop()
            yield from lines
    finally:
        os.close(fd)
