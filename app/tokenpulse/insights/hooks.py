"""What runs after a scan: refresh the figures and rollups of the chats it touched (at start-up, stale ones)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from tokenpulse.config.settings import Settings
from tokenpulse.insights import chat_stats, rollups
from tokenpulse.insights.chat_stats import RatesSource, RefreshResult
from tokenpulse.snapshot import zone


def after_scan(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
               settings: Settings) -> RefreshResult:
    """Call with `ScanSummary.sessions_touched` once a scan (or a watcher's scan_paths) returns."""
    ids = set(session_ids)
    result = chat_stats.refresh(conn, ids, pricer, settings.reminders.recap_allowance)
    rollups.refresh(conn, ids, pricer, zone(settings.timezone))
    return result


def at_startup(conn: sqlite3.Connection, pricer: RatesSource, settings: Settings) -> RefreshResult:
    """Fill figures missing after the 0002 upgrade or computed with another recap allowance; fill rollups
    missing after the 0003 upgrade (or left behind by a writer that did not refresh them), and keep the
    local-hour rollup in the settings' time zone."""
    result = chat_stats.refresh_stale(conn, pricer, settings.reminders.recap_allowance)
    rollups.refresh_stale(conn, pricer, zone(settings.timezone))
    return result
