"""What the settings show beside the user's choices (Qt-free, read-only): whether each log folder exists and how
many logs it holds, and the built-in price of every model in the store (or that it has none).

Both can take a moment on a big history (a folder walk, a group-by over the rollups): the settings dialog runs
them on a worker thread.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates
from tokenpulse.sources.base import Source
from tokenpulse.sources.walk import WalkErrors

COUNT_LIMIT = 100_000  # a folder with more logs than this is reported as "100,000 or more"


@dataclass(frozen=True, slots=True)
class FolderStatus:
    path: str
    exists: bool
    logs: int = 0  # log files the source would read there
    capped: bool = False  # counting stopped at COUNT_LIMIT
    unreadable: int = 0  # sub-folders that could not be listed


def root_status(source: Source, root: Path, limit: int = COUNT_LIMIT) -> FolderStatus:
    """Whether a root the source reads exists, and how many of its logs it holds (the scan's own walk)."""
    return _count(source, str(root), [root], limit)


def folder_status(source: Source, folder: Path, home: Path, limit: int = COUNT_LIMIT) -> FolderStatus:
    """A folder chosen in the settings, read as the source reads it (as if in its environment variable: Claude
    Code's logs are in its `projects` folder, say)."""
    return _count(source, str(folder), source.roots({source.env_var: str(folder)}, home), limit)


def _count(source: Source, shown: str, roots: list[Path], limit: int) -> FolderStatus:
    if not Path(shown).is_dir():
        return FolderStatus(shown, False)
    errors = WalkErrors()
    count = 0
    for root in roots:
        for _path in source.iter_files(root, errors):
            count += 1
            if count >= limit:
                return FolderStatus(shown, True, count, True, len(errors.unreadable))
    return FolderStatus(shown, True, count, False, len(errors.unreadable))


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """A model found in the store, with its calls and its built-in rates on the last day it was used."""

    model: str
    calls: int
    last_day: str  # UTC, YYYY-MM-DD
    rates: Rates | None  # None: no built-in price (its calls cost "no price" unless the user sets one)


def models_seen(conn: sqlite3.Connection) -> list[tuple[str, int, str]]:
    """(model, calls, last UTC day used) of every model in the store, most calls first (from the rollups)."""
    rows = conn.execute("SELECT model, sum(calls), max(bucket_ms) FROM usage_rollup GROUP BY model").fetchall()
    return sorted(((str(m), int(n), utc_day(int(last))) for m, n, last in rows), key=lambda r: (-r[1], r[0]))


def builtin_prices(conn: sqlite3.Connection) -> list[ModelPrice]:
    """Every model in the store with the built-in price the scan found for it (model_price caches the built-in
    rates only, never the user's), looked up in the bundled price list when the store holds none."""
    out = []
    for model, calls, day in models_seen(conn):
        row = conn.execute("SELECT rates FROM model_price WHERE model = ? ORDER BY day DESC LIMIT 1",
                           (model,)).fetchone()
        if row is not None:
            rates = Rates.from_json(row[0]) if row[0] else None
        else:  # priced by the user's own rates only: the scan never asked the price list
            from tokenpulse.pricing.catalog import lookup

            rates = lookup(model, day) if model != "unknown" else None
        out.append(ModelPrice(model, calls, day, rates))
    return out
