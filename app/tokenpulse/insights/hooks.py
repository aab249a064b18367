"""What runs after a scan: refresh the figures of the chats it touched (and, at start-up, of stale ones)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from tokenpulse.config.settings import Settings
from tokenpulse.insights import chat_stats
from tokenpulse.insights.chat_stats import RatesSource, RefreshResult


def after_scan(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
               settings: Settings) -> RefreshResult:
    """Call with `ScanSummary.sessions_touched` once a scan (or a watcher's scan_paths) returns."""
    return chat_stats.refresh(conn, session_ids, pricer, settings.reminders.recap_allowance)


def at_startup(conn: sqlite3.Connection, pricer: RatesSource, settings: Settings) -> RefreshResult:
    """Fill figures missing after the 0002 upgrade, or computed with another recap allowance."""
    return chat_stats.refresh_stale(conn, pricer, settings.reminders.recap_allowance)
