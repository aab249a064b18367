"""Hermes's `sessions` table to ApiCall records: one per session, its token totals.

Hermes normalises every provider's usage before storing it: input is uncached input, cache reads and writes
are apart, reasoning is part of output. Each row is a session's running total; the table is read whole
whenever the database changes (README.md here).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.fields import call_key, plausible_ms
from tokenpulse.sources.session_rows import SkippedRows
from tokenpulse.sources.sqlite_read import columns, connect_readonly
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "hermes"
_COUNTS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def read_sessions(path: Path, state: Mapping[str, Any] | None = None) -> tuple[Parsed, dict[str, Any]]:
    """Every session with tokens; raises sqlite3.Error when the file is not Hermes's (or is busy)."""
    conn = connect_readonly(path)
    try:
        have = columns(conn, "sessions")
        if not {"id", "started_at", "input_tokens", "output_tokens"} <= have:
            raise sqlite3.DatabaseError("no Hermes sessions table")
        wanted = ["id", "model", "started_at", "parent_session_id", *_COUNTS]
        select = ", ".join(name if name in have else "NULL" for name in wanted)
        rows = conn.execute(f"SELECT rowid, {select} FROM sessions").fetchall()
    finally:
        conn.close()
    parsed = Parsed()
    skipped = SkippedRows(state)  # a bad row is reported once, not at every re-read
    for rowid, sid, model, started, parent, *raw in rows:
        if all(value is None or value == 0 for value in raw):
            continue  # a session that never reached a model
        parsed.usage_records += 1
        if not isinstance(sid, str) or not sid:
            skipped.skip(rowid, "record of an unexpected shape")
            continue
        counts = [0 if value is None else value for value in raw]
        if not all(valid_count(value) for value in counts):
            skipped.skip(rowid, "invalid token counts")
            continue
        inp, write, read, out, reasoning = counts
        if not (inp or write or read or out):
            continue
        ts_ms = _seconds_ms(started)
        if ts_ms is None:
            skipped.skip(rowid, "missing or invalid timestamp")
            continue
        name = model.strip() if isinstance(model, str) else ""
        parsed.calls.append(ApiCall(
            source=SOURCE, dedupe_key=call_key(SOURCE, sid), session_key=sid, ts_ms=ts_ms, model=name or "unknown",
            input=inp, cache_write_5m=write, cache_read=read, output=out, reasoning=min(reasoning, out),
            parent_session_key=parent if isinstance(parent, str) and parent else None))
    parsed.skipped.update(skipped.counts)
    return parsed, skipped.state()


def _seconds_ms(value: object) -> int | None:
    """`started_at` is epoch seconds (REAL); milliseconds are accepted too."""
    if type(value) is int:
        return plausible_ms(value if value > 10**12 else value * 1000)
    if type(value) is float and value == value and abs(value) < 1e13:
        return plausible_ms(int(value) if value > 10**12 else int(value * 1000))
    return None
