"""The store side of source health (table source_health): its rows, and the few reads that feed it.

One row per source. The scan writes it through `save_health`, inside its group transaction (so the row never
runs ahead of, or behind, the file cursors it describes); reports read it with `read_health`. How a row is
kept up to date is ingest/health.py's business; what it means (gone quiet or not) insights/source_health.py's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from tokenpulse.store.columns import COLUMNS
from tokenpulse.store.tx import write_tx

_COLUMNS = COLUMNS["source_health"]
_UPSERT = f"""
INSERT INTO source_health ({", ".join(_COLUMNS)}) VALUES ({", ".join("?" * len(_COLUMNS))})
ON CONFLICT (source) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "source")}
"""

Skips = dict[str, int]  # reason -> lines skipped for it


@dataclass(slots=True)
class HealthRow:
    """A source_health row; times are epoch milliseconds (UTC)."""

    source: str
    last_change_ms: int | None = None
    last_call_ms: int | None = None
    last_counted_ms: int | None = None
    counted_change_ms: int | None = None
    quiet_since_ms: int | None = None
    last_uncounted_ms: int | None = None
    recent_skips: list[tuple[int, Skips]] = field(default_factory=list)  # (scan_ms, reasons), oldest first
    updated_ms: int = 0


def read_health(conn: sqlite3.Connection, sources: Iterable[str] | None = None, *,
                streaks_only: bool = False) -> dict[str, HealthRow]:
    """The rows of `sources` (all when None) that exist; with `streaks_only`, only those of sources that counted
    calls and have changed since without one (the only ones that can have gone quiet: usually none)."""
    sql = f"SELECT {', '.join(_COLUMNS)} FROM source_health WHERE 1"
    args: list[str] = []
    if sources is not None:
        args = list(sources)
        if not args:
            return {}
        sql += f" AND source IN ({','.join('?' * len(args))})"
    if streaks_only:
        sql += " AND quiet_since_ms IS NOT NULL AND counted_change_ms IS NOT NULL"
    return {r[0]: HealthRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _skips(r[7]), r[8])
            for r in conn.execute(sql, args)}


def save_health(conn: sqlite3.Connection, rows: Iterable[HealthRow]) -> None:
    """Insert or replace rows (inside the caller's transaction when one is open: the scan's group)."""
    params = [(r.source, r.last_change_ms, r.last_call_ms, r.last_counted_ms, r.counted_change_ms, r.quiet_since_ms,
               r.last_uncounted_ms, json.dumps([[at, reasons] for at, reasons in r.recent_skips]), r.updated_ms)
              for r in rows]
    if params:
        with write_tx(conn):
            conn.executemany(_UPSERT, params)


def last_call_id(conn: sqlite3.Connection) -> int:
    """The highest api_call id now: the calls a scan adds after this point have larger ones."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM api_call").fetchone()[0])


def calls_after(conn: sqlite3.Connection, call_id: int) -> tuple[dict[str, int], int]:
    """Per source, the newest timestamp among calls with an id above `call_id`; and the highest id seen.

    A range of the primary key: it reads only the calls added since, however large the store.
    """
    newest: dict[str, int] = {}
    top = call_id
    for source, ts_ms, max_id in conn.execute(
            "SELECT source, max(ts_ms), max(id) FROM api_call WHERE id > ? GROUP BY source", (call_id,)):
        newest[source] = int(ts_ms)
        top = max(top, int(max_id))
    return newest, top


def file_counts(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Per source, (files with a cursor that are still there, files the agent deleted or moved)."""
    return {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
        "SELECT source, sum(missing = 0), sum(missing <> 0) FROM source_file GROUP BY source")}


def _skips(text: str | None) -> list[tuple[int, Skips]]:
    """The JSON column back as a list; anything unexpected (a hand-edited store) reads as no skips."""
    try:
        value = json.loads(text or "[]")
        return [(int(at), {str(k): int(v) for k, v in reasons.items()}) for at, reasons in value]
    except (ValueError, TypeError, AttributeError):
        return []
