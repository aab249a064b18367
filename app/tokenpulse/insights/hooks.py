"""What runs after a scan: refresh the figures and rollups of the chats it touched (at start-up, stale ones)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from tokenpulse.clock import zone
from tokenpulse.config.settings import Settings
from tokenpulse.insights import chat_stats, rollups
from tokenpulse.insights.chat_stats import RatesSource, RefreshResult

PENDING_KEY = "rollups_pending"  # counted up by the ledger with each commit of calls


def after_scan(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
               settings: Settings, pending: int = 0) -> RefreshResult:
    """Call with `ScanSummary.sessions_touched` (and `rollups_pending`) once a scan or a watcher's scan_paths
    returns."""
    ids = set(session_ids)
    result = chat_stats.refresh(conn, ids, pricer, settings.reminders.recap_allowance)
    rollups.refresh(conn, ids, pricer, zone(settings.timezone))
    if pending:
        with conn:
            conn.execute("UPDATE app_state SET value = max(0, CAST(value AS INTEGER) - ?) WHERE key = ?",
                         (pending, PENDING_KEY))
    return result


def rollups_pending(conn: sqlite3.Connection) -> int | None:
    """Commits whose rollups were not refreshed yet; None when never counted (a new or upgraded store)."""
    row = conn.execute("SELECT value FROM app_state WHERE key = ?", (PENDING_KEY,)).fetchone()
    try:
        return None if row is None else int(row[0])
    except ValueError:
        return None


def at_startup(conn: sqlite3.Connection, pricer: RatesSource, settings: Settings) -> RefreshResult:
    """Fill figures missing after the 0002 upgrade or computed with another recap allowance; keep the
    local-hour rollup in the settings' time zone; and, when a writer stopped between storing calls and
    refreshing their rollups (or the store has never been counted), find and refresh the stale chats.

    That last check counts every call (a third of a second on two million); the counter makes it rare, so a
    command such as `tokenpulse status` stays fast on a big store.
    """
    result = chat_stats.refresh_stale(conn, pricer, settings.reminders.recap_allowance)
    tz = zone(settings.timezone)
    pending = rollups_pending(conn)
    if pending is None or pending > 0:
        rollups.refresh_stale(conn, pricer, tz)
        with conn:
            conn.execute("INSERT INTO app_state (key, value) VALUES (?, '0') ON CONFLICT (key) DO UPDATE"
                         " SET value = '0'", (PENDING_KEY,))
    else:
        rollups.refresh_zone(conn, tz)
    return result
