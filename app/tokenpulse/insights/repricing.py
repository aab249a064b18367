"""Stored calls re-priced when the price data changes (a genai-prices upgrade, a documented tier added).

Costs are stored with each call and rates are kept per model and day, so that routine scans need not load the
price list. Without this, a store kept the old rates for ever: a tier added for a model never reached the
calls already counted, nor the new calls of a day already priced. Only the (model, day) pairs whose rates
differ are touched; the chats they belong to are returned so their figures and rollups can be refreshed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Container
from datetime import date

from tokenpulse.pricing.rates import Rates
from tokenpulse.store import prices
from tokenpulse.usage import ApiCall

_DAY_MS = 86_400_000


def reprice_if_new_data(conn: sqlite3.Connection, lookup: Callable[[str, str], Rates | None], version: str,
                        overridden: Container[str] = ()) -> set[int]:
    """Re-price what changed since the store's price data was recorded; returns the chats touched."""
    if prices.price_data(conn) == version:
        return set()
    touched: set[int] = set()
    for model, day, old in prices.cached_rates(conn):
        if model in overridden:
            continue  # the user's own price governs those calls
        rates = lookup(model, day) if model != "unknown" else None
        new = rates.to_json() if rates is not None else None
        if new == old:
            continue
        start = (date.fromisoformat(day) - date(1970, 1, 1)).days * _DAY_MS
        rows = prices.calls_between(conn, model, start, start + _DAY_MS)
        costs = [(None if rates is None else rates.cost(_counts(model, row)), row[0]) for row in rows]
        prices.reprice(conn, model, day, new, costs)
        touched.update(row[1] for row in rows)
    prices.set_price_data(conn, version)
    return touched


def _counts(model: str, row: prices.CallCounts) -> ApiCall:
    _id, _sid, inp, cw5, cw1, cread, out = row
    return ApiCall(source="", dedupe_key=b"", session_key="", ts_ms=0, model=model, input=inp, cache_write_5m=cw5,
                   cache_write_1h=cw1, cache_read=cread, output=out)
