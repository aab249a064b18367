"""The rates the store keeps per model and UTC day (model_price), which price data they came from, and the
re-pricing of stored calls when that data changes (the computation is insights.repricing's)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from tokenpulse.store.tx import write_tx

PRICE_DATA_KEY = "price_data"  # app_state: which price data (and supplements) the cached rates come from


def price_data(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM app_state WHERE key = ?", (PRICE_DATA_KEY,)).fetchone()
    return None if row is None else str(row[0])


def set_price_data(conn: sqlite3.Connection, version: str) -> None:
    with write_tx(conn):
        conn.execute("INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                     " SET value = excluded.value", (PRICE_DATA_KEY, version))


def cached_rates(conn: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    """Every (model, UTC day, rates JSON or None) the store has priced calls with."""
    return [(str(m), str(d), r) for m, d, r in conn.execute("SELECT model, day, rates FROM model_price")]


CallCounts = tuple[int, int, int, int, int, int, int]  # id, session id, input, cw 5m, cw 1h, cache read, output


def calls_between(conn: sqlite3.Connection, model: str, start_ms: int, end_ms: int) -> list[CallCounts]:
    """The stored calls of a model in [start, end), with what pricing needs (ix_api_call_ts)."""
    return conn.execute("SELECT id, session_id, input, cache_write_5m, cache_write_1h, cache_read, output"
                        " FROM api_call WHERE ts_ms >= ? AND ts_ms < ? AND model = ?",
                        (start_ms, end_ms, model)).fetchall()


def reprice(conn: sqlite3.Connection, model: str, day: str, rates: str | None,
            costs: Iterable[tuple[float | None, int]]) -> None:
    """New rates of a model on a day, and the new cost of each of its calls that day (cost, call id), together."""
    with write_tx(conn):
        conn.execute("INSERT OR REPLACE INTO model_price (model, day, rates) VALUES (?, ?, ?)", (model, day, rates))
        conn.executemany("UPDATE api_call SET cost_usd = ? WHERE id = ?", costs)
