"""What runs after a scan: refresh the figures and rollups of the chats it touched (at start-up, stale ones).

Both are derived tables the store writes (store.chat_figures, store.rollups); this module decides what to
refresh. It runs only where the store is written: under the scan lock, in a scan or in the app's worker.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tokenpulse.clock import zone
from tokenpulse.config.settings import Settings
from tokenpulse.insights.repricing import reprice_if_new_data
from tokenpulse.pricing import resolve
from tokenpulse.pricing.data_version import data_version
from tokenpulse.store import rollups
from tokenpulse.store.chat_figures import stale_sessions

if TYPE_CHECKING:
    from tokenpulse.insights.chat_stats import RatesSource


def after_scan(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource,
               settings: Settings, pending: int = 0) -> None:
    """Call with `ScanSummary.sessions_touched` (and `rollups_pending`) once a scan or a watcher's scan_paths
    returns."""
    ids = set(session_ids)
    _refresh_figures(conn, ids, pricer, settings)
    rollups.refresh(conn, ids, pricer, zone(settings.timezone))
    rollups.settle_pending(conn, pending)


def _refresh_figures(conn: sqlite3.Connection, ids: set[int], pricer: RatesSource, settings: Settings) -> None:
    """These chats' figures computed again; the figures' code is imported only when there are some, so that a
    scan that found nothing new (most `tokenpulse status`) does without it."""
    if ids:
        from tokenpulse.insights.chat_stats import refresh

        refresh(conn, ids, pricer, settings.reminders.recap_allowance)


def rollups_pending(conn: sqlite3.Connection) -> int | None:
    """Commits whose rollups were not refreshed yet; None when never counted (a new or upgraded store)."""
    return rollups.pending(conn)


def bring_up_to_date(conn: sqlite3.Connection, pricer: RatesSource, settings: Settings) -> None:
    """Re-price stored calls when the price data changed; fill figures missing after the 0002 upgrade or computed
    with another recap allowance; keep the
    local-hour rollup in the settings' time zone; and, when a writer stopped between storing calls and
    refreshing their rollups (or the store has never been counted), find and refresh the stale chats.

    That last check counts every call (a third of a second on two million); the counter makes it rare, so a
    command such as `tokenpulse status` stays fast on a big store.
    """
    repriced = reprice_if_new_data(conn, resolve.lookup, data_version(), settings.price_overrides)
    if repriced:  # new price data changed some calls' costs: their chats' figures and rollups follow
        _refresh_figures(conn, repriced, pricer, settings)
        rollups.refresh(conn, repriced, pricer, zone(settings.timezone))
    _refresh_figures(conn, set(stale_sessions(conn, settings.reminders.recap_allowance)), pricer, settings)
    tz = zone(settings.timezone)
    waiting = rollups.pending(conn)
    if waiting is None or waiting > 0:
        rollups.refresh_stale(conn, pricer, tz)
        rollups.settle_pending(conn)
    else:
        rollups.refresh_zone(conn, tz)
