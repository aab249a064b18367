"""Goose's `sessions` table to ApiCall records: one per session, its accumulated token totals.

Goose keeps no per-call record with tokens: each session row carries running totals, rewritten after every
reply. The table is small, so it is read whole whenever the database changes (README.md here).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.fields import ascii_int, call_key, parse_iso_ms, plausible_ms
from tokenpulse.sources.session_rows import SkippedRows
from tokenpulse.sources.sqlite_read import columns, connect_readonly
from tokenpulse.usage import ApiCall, valid_count

SOURCE = "goose"
# (accumulated column, the older per-session column read when the accumulated one is absent or empty)
_INPUT = ("accumulated_input_tokens", "input_tokens")
_OUTPUT = ("accumulated_output_tokens", "output_tokens")
_MAX_MODEL_CONFIG = 1 << 16


def read_sessions(path: Path, state: Mapping[str, Any] | None = None) -> tuple[Parsed, dict[str, Any]]:
    """Every session with tokens; raises sqlite3.Error when the file is not Goose's (or is busy)."""
    conn = connect_readonly(path)
    try:
        have = columns(conn, "sessions")
        if not {"id", "created_at"} <= have:
            raise sqlite3.DatabaseError("no Goose sessions table")
        wanted = ["id", "created_at", "model_config_json", "working_dir", *_INPUT, *_OUTPUT]
        select = ", ".join(name if name in have else "NULL" for name in wanted)
        rows = conn.execute(f"SELECT rowid, {select} FROM sessions").fetchall()
    finally:
        conn.close()
    parsed = Parsed()
    skipped = SkippedRows(state)  # a bad row is reported once, not at every re-read
    for rowid, sid, created, model_config, working_dir, acc_in, last_in, acc_out, last_out in rows:
        inp, out = _pick(acc_in, last_in), _pick(acc_out, last_out)
        if inp is None and out is None:
            continue  # a session that never reached a model
        parsed.usage_records += 1
        if not isinstance(sid, str) or not sid:
            skipped.skip(rowid, "record of an unexpected shape")
            continue
        if inp is False or out is False:
            skipped.skip(rowid, "invalid token counts")
            continue
        inp, out = inp or 0, out or 0
        if not (inp or out):
            continue
        ts_ms = _created_ms(created)
        if ts_ms is None:
            skipped.skip(rowid, "missing or invalid timestamp")
            continue
        # Goose adds cache reads and writes into its input count and keeps no split: all of it is input here.
        parsed.calls.append(ApiCall(source=SOURCE, dedupe_key=call_key(SOURCE, sid), session_key=sid, ts_ms=ts_ms,
                                    model=_model(model_config), input=inp, output=out,
                                    project=working_dir if isinstance(working_dir, str) and working_dir else None))
    parsed.skipped.update(skipped.counts)
    return parsed, skipped.state()


def _pick(accumulated: object, older: object) -> int | Literal[False] | None:
    """The accumulated total when it is set and not zero, else the older per-session column (as ccusage
    reads them); None when both are NULL (Goose writes NULL until the first reply), False when the value
    to use is not a count."""
    if accumulated is None and older is None:
        return None
    for value in (accumulated, older):
        if value is not None and value != 0:
            return value if type(value) is int and valid_count(value) else False
    return 0


def _model(raw: object) -> str:
    if isinstance(raw, str) and len(raw) <= _MAX_MODEL_CONFIG:
        try:
            config: Any = json.loads(raw)
        except (ValueError, RecursionError):
            config = None
        name = config.get("model_name") if isinstance(config, dict) else None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return "unknown"


def _created_ms(value: object) -> int | None:
    """`created_at` as SQLite writes it (`YYYY-MM-DD HH:MM:SS`, UTC), ISO 8601, or epoch seconds/milliseconds."""
    if type(value) is int:
        return plausible_ms(value if value > 10**12 else value * 1000)
    if type(value) is float and value == value and abs(value) < 1e13:
        return plausible_ms(int(value * 1000) if value < 10**12 else int(value))
    if isinstance(value, str):
        text = value.strip()
        number = ascii_int(text)
        if number is not None:
            return _created_ms(number)
        if len(text) == 10:
            text += "T00:00:00"
        return parse_iso_ms(text.replace(" ", "T", 1) if len(text) >= 19 and text[10] == " " else text)
    return None
