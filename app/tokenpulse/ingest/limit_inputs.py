"""Plan-limit readings from outside the session logs (issue 11), taken in by the store's writer after each scan:
the status line's journal, and Claude Code's cached account usage (only when its file changed)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from tokenpulse.config.settings import Limits
from tokenpulse.quota import LimitRecords
from tokenpulse.store.limits import write_records
from tokenpulse.store.limits_journal import fold

log = logging.getLogger(__name__)

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
            log.warning("status-line journal not read: %s", exc)
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
