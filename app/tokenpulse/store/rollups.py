"""The charts' rollups, recomputed in SQL for the chats a scan touched (the store's derived tables).

usage_rollup sums calls per chat, UTC quarter-hour and model. A quarter-hour lies inside one local hour of
every whole- or quarter-hour zone, so local days and hours add up exactly from it. `cost_usd` is the exact
sum of the calls' costs; the four per-type costs split it in proportion to each type's base price.

usage_local_hour sums usage_rollup per local day and hour of one zone (the settings'), agent and model, so a
range of years reads thousands of rows, not hundreds of thousands. It is rebuilt when the zone changes.

usage_local_day sums usage_local_hour per local day: the charts' days read a row per day and model.

usage_chat sums usage_rollup per chat: a long range takes the chats wholly inside it from there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates
from tokenpulse.store.localtime import local_ms_sql
from tokenpulse.store.tx import write_tx

BUCKET_MS = 900_000  # a quarter of an hour
HOUR_MS = 3_600_000
_DAY_MS = 86_400_000
_CHUNK = 500
_MAX_OFFSET_MS = 15 * HOUR_MS  # beyond any zone's UTC offset
_INCREMENTAL_MAX = 5_000  # more touched quarter-hours than this: rebuild the local hours at once
SUMS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning", "cost_usd", "unpriced_calls",
        "input_cost", "cache_write_cost", "cache_read_cost", "output_cost")


PENDING_KEY = "rollups_pending"  # app_state: file commits with calls whose rollups are not refreshed yet
# counted up by the ledger in the calls' own transaction, down after the refresh: non-zero at start-up means a
# writer stopped in between
PENDING_UP = ("INSERT INTO app_state (key, value) VALUES ('rollups_pending', '1') ON CONFLICT (key)"
              " DO UPDATE SET value = CAST(value AS INTEGER) + 1")


class RatesSource(Protocol):
    def rates(self, model: str, day: str) -> Rates | None: ...


class StoredRates:
    """Rates as the scan cached them in model_price (for callers without a Pricer)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rates(self, model: str, day: str) -> Rates | None:
        row = self._conn.execute("SELECT rates FROM model_price WHERE model = ? AND day = ?", (model, day)).fetchone()
        return Rates.from_json(row[0]) if row and row[0] else None


# Per group: the calls' sums, then nominal costs at base prices, then the exact cost split by those weights.
_INSERT = """
INSERT INTO usage_rollup (bucket_ms, session_id, model, source, calls, input, cache_write, cache_read, output,
                          reasoning, cost_usd, unpriced_calls, input_cost, cache_write_cost, cache_read_cost,
                          output_cost)
SELECT b, sid, model, source, calls, inp, cw5 + cw1, cr, out, rsn, cost, unpriced,
       cost * (CASE WHEN nt > 0 THEN ni / nt WHEN tt > 0 THEN 1.0 * inp / tt ELSE 0 END),
       cost * (CASE WHEN nt > 0 THEN nw / nt WHEN tt > 0 THEN 1.0 * (cw5 + cw1) / tt ELSE 0 END),
       cost * (CASE WHEN nt > 0 THEN nr / nt WHEN tt > 0 THEN 1.0 * cr / tt ELSE 0 END),
       cost * (CASE WHEN nt > 0 THEN no / nt WHEN tt > 0 THEN 1.0 * out / tt ELSE 1 END)
FROM (
    SELECT g.*, ni + nw + nr + no AS nt, inp + cw5 + cw1 + cr + out AS tt FROM (
        SELECT g.*, coalesce(g.inp * r.p_in, 0.0) AS ni, coalesce(g.cw5 * r.p_cw5 + g.cw1 * r.p_cw1, 0.0) AS nw,
               coalesce(g.cr * r.p_cr, 0.0) AS nr, coalesce(g.out * r.p_out, 0.0) AS no
        FROM (
            SELECT ts_ms / {bucket} * {bucket} AS b, session_id AS sid, model, min(source) AS source,
                   count(*) AS calls, sum(input) AS inp, sum(cache_write_5m) AS cw5, sum(cache_write_1h) AS cw1,
                   sum(cache_read) AS cr, sum(output) AS out, sum(reasoning) AS rsn, sum(cost_usd) AS cost,
                   sum(cost_usd IS NULL) AS unpriced
            FROM api_call WHERE session_id IN ({marks}) GROUP BY sid, b, model
        ) g LEFT JOIN temp.rollup_rate r ON r.model = g.model AND r.day_no = g.b / {day}
    ) g
)
"""


_CHAT = """
INSERT INTO usage_chat (session_id, first_ms, last_ms, calls, input, cache_write, cache_read, output, cost_usd)
SELECT session_id, min(bucket_ms), max(bucket_ms), sum(calls), sum(input), sum(cache_write), sum(cache_read),
       sum(output), sum(cost_usd)
FROM usage_rollup WHERE session_id IN ({marks}) GROUP BY session_id
"""


def refresh(conn: sqlite3.Connection, session_ids: Iterable[int], pricer: RatesSource | None = None,
            tz: ZoneInfo | None = None) -> int:
    """Recompute the rollup rows of these chats (e.g. `ScanSummary.sessions_touched`); returns rows written.

    Their sub-agent chats are recomputed too: a main-chat call can delete a sidechain replay stored there.
    With `tz`, usage_local_hour follows in that zone (rebuilt whole if it was kept in another one).
    """
    ids = _with_children(conn, sorted(set(session_ids)))
    if not ids:
        return 0
    # Prices are resolved before the write transaction: a pricer may save rates through another connection.
    rates = _rates_for(conn, ids, pricer or StoredRates(conn))
    with write_tx(conn):
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS rollup_rate (model TEXT, day_no INTEGER, p_in REAL,"
                     " p_cw5 REAL, p_cw1 REAL, p_cr REAL, p_out REAL, PRIMARY KEY (model, day_no))")
        conn.execute("DELETE FROM temp.rollup_rate")
        conn.executemany("INSERT INTO temp.rollup_rate VALUES (?, ?, ?, ?, ?, ?, ?)", rates)
        written = 0
        touched: set[int] = set()  # quarter-hours whose sums may have changed
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            buckets = f"SELECT DISTINCT bucket_ms FROM usage_rollup WHERE session_id IN ({marks})"
            touched.update(r[0] for r in conn.execute(buckets, chunk))
            conn.execute(f"DELETE FROM usage_rollup WHERE session_id IN ({marks})", chunk)
            cur = conn.execute(_INSERT.format(bucket=BUCKET_MS, day=_DAY_MS, marks=marks), chunk)
            written += max(cur.rowcount, 0)
            conn.execute(f"DELETE FROM usage_chat WHERE session_id IN ({marks})", chunk)
            conn.execute(_CHAT.format(marks=marks), chunk)
            touched.update(r[0] for r in conn.execute(buckets, chunk))
        conn.execute("DELETE FROM temp.rollup_rate")
        if tz is not None:
            _update_local(conn, tz, touched)
    return written


def stale_sessions(conn: sqlite3.Connection) -> list[int]:
    """Chats whose rollup rows are missing or disagree with their calls in number.

    Cheap when all is well (three counts); a per-chat comparison runs only when the counts differ, e.g. after
    the 0003 upgrade or when a writer stored calls without refreshing.
    """
    calls = conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
    rolled = conn.execute("SELECT coalesce(sum(calls), 0) FROM usage_rollup").fetchone()[0]
    chats = conn.execute("SELECT coalesce(sum(calls), 0) FROM usage_chat").fetchone()[0]
    if calls == rolled == chats:
        return []
    raw = dict(conn.execute("SELECT session_id, count(*) FROM api_call GROUP BY session_id"))
    stale: set[int] = set()
    for table in ("usage_rollup", "usage_chat"):
        have = dict(conn.execute(f"SELECT session_id, sum(calls) FROM {table} GROUP BY session_id"))
        stale.update(sid for sid in raw.keys() | have.keys() if raw.get(sid) != have.get(sid))
    return sorted(stale)


def refresh_stale(conn: sqlite3.Connection, pricer: RatesSource | None = None, tz: ZoneInfo | None = None) -> int:
    """Start-up: recompute stale chats, and bring usage_local_hour to `tz` if it was kept in another zone."""
    stale = stale_sessions(conn)
    if tz is not None and not stale and _local_zone(conn) != tz.key and _has_rollups(conn):
        with write_tx(conn):
            _rebuild_local(conn, tz)
        return 0
    return refresh(conn, stale, pricer, tz)


def refresh_zone(conn: sqlite3.Connection, tz: ZoneInfo) -> None:
    """Rebuild usage_local_hour when it is kept in another zone than `tz`, or empty while rollups exist (it was
    emptied by `forget`); cheap when neither is the case (two one-row reads)."""
    if _local_zone(conn) != tz.key and _has_rollups(conn):
        with write_tx(conn):
            _rebuild_local(conn, tz)


def pending(conn: sqlite3.Connection) -> int | None:
    """Commits whose rollups were not refreshed yet; None when never counted (a new or upgraded store)."""
    row = conn.execute("SELECT value FROM app_state WHERE key = ?", (PENDING_KEY,)).fetchone()
    try:
        return None if row is None else int(row[0])
    except ValueError:
        return None


def settle_pending(conn: sqlite3.Connection, done: int | None = None) -> None:
    """Count `done` commits as refreshed (None: all of them)."""
    with write_tx(conn):
        if done is None:
            conn.execute("INSERT INTO app_state (key, value) VALUES (?, '0') ON CONFLICT (key) DO UPDATE"
                         " SET value = '0'", (PENDING_KEY,))
        elif done:
            conn.execute("UPDATE app_state SET value = max(0, CAST(value AS INTEGER) - ?) WHERE key = ?",
                         (done, PENDING_KEY))


# --- usage_local_hour ---------------------------------------------------------------------------------

def local_zone(conn: sqlite3.Connection) -> str | None:
    """The zone usage_local_hour is kept in; None when it is empty."""
    return _local_zone(conn)


def _local_zone(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT zone FROM usage_local_hour LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def _has_rollups(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM usage_rollup)").fetchone()[0])


def _offset_ms(tz: ZoneInfo, ts_ms: int) -> int:
    off = datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(tz).utcoffset()
    return int(off.total_seconds() * 1000) if off else 0


def _local_insert(tz: ZoneInfo, lo: int, hi: int, only_listed: bool) -> str:
    local = local_ms_sql("bucket_ms", tz, lo, hi)
    sums = ", ".join(f"sum({c})" for c in SUMS)
    keep = " WHERE d IN (SELECT d FROM temp.rollup_day)" if only_listed else ""
    return (f"INSERT INTO usage_local_hour (local_day, hour, source, model, zone, {', '.join(SUMS)})"
            f" SELECT d, h, source, model, ?, {sums} FROM ("
            f"  SELECT {local} / {_DAY_MS} AS d, ({local} % {_DAY_MS}) / {HOUR_MS} AS h, * FROM usage_rollup"
            f"  WHERE bucket_ms >= ? AND bucket_ms < ?){keep}"
            " GROUP BY d, source, model, h")


_DAYS = (f"INSERT INTO usage_local_day (local_day, source, model, zone, {', '.join(SUMS)})"
         f" SELECT local_day, source, model, min(zone), {', '.join(f'sum({c})' for c in SUMS)} FROM usage_local_hour"
         " {where} GROUP BY local_day, source, model")


def _rebuild_local(conn: sqlite3.Connection, tz: ZoneInfo) -> None:
    conn.execute("DELETE FROM usage_local_hour")
    conn.execute("DELETE FROM usage_local_day")
    lo, hi = conn.execute("SELECT min(bucket_ms), max(bucket_ms) FROM usage_rollup").fetchone()
    if lo is not None:
        conn.execute(_local_insert(tz, lo, hi + BUCKET_MS, False), (tz.key, lo, hi + BUCKET_MS))
        conn.execute(_DAYS.format(where=""))


def _update_local(conn: sqlite3.Connection, tz: ZoneInfo, buckets: set[int]) -> None:
    """Recompute the local days holding these quarter-hours, from every chat's rows around them."""
    zone = _local_zone(conn)
    if zone is not None and zone != tz.key:
        _rebuild_local(conn, tz)  # kept in another zone: the settings changed
        return
    if not buckets:
        return
    if zone is None or len(buckets) > _INCREMENTAL_MAX:
        _rebuild_local(conn, tz)  # never built (empty while usage_rollup has rows), or a backfill
        return
    days = {(b + _offset_ms(tz, b)) // _DAY_MS for b in buckets}
    lo, hi = min(days) * _DAY_MS - _MAX_OFFSET_MS, (max(days) + 1) * _DAY_MS + _MAX_OFFSET_MS
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS rollup_day (d INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.rollup_day")
    conn.executemany("INSERT INTO temp.rollup_day VALUES (?)", [(d,) for d in sorted(days)])
    conn.execute("DELETE FROM usage_local_hour WHERE local_day IN (SELECT d FROM temp.rollup_day)")
    conn.execute(_local_insert(tz, lo, hi, True), (tz.key, lo, hi))
    conn.execute("DELETE FROM usage_local_day WHERE local_day IN (SELECT d FROM temp.rollup_day)")
    conn.execute(_DAYS.format(where="WHERE local_day IN (SELECT d FROM temp.rollup_day)"))
    conn.execute("DELETE FROM temp.rollup_day")


def _with_children(conn: sqlite3.Connection, ids: list[int]) -> list[int]:
    found = set(ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update(r[0] for r in conn.execute(
            "SELECT id FROM chat_session WHERE parent_key IS NOT NULL AND (source, parent_key) IN ("
            f" SELECT source, session_key FROM chat_session WHERE id IN ({','.join('?' * len(chunk))}))", chunk))
    return sorted(found)


def _rates_for(conn: sqlite3.Connection, ids: list[int],
               pricer: RatesSource) -> list[tuple[str, int, float, float, float, float, float]]:
    """Base prices (USD per token) of every (model, UTC day) the chats' calls fall on."""
    pairs: set[tuple[str, int]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        pairs.update(conn.execute(
            f"SELECT DISTINCT model, ts_ms / {_DAY_MS} FROM api_call"
            f" WHERE session_id IN ({','.join('?' * len(chunk))})",
            chunk))
    out = []
    for model, day_no in sorted(pairs):
        r = pricer.rates(model, utc_day(day_no * _DAY_MS))
        if r is not None:
            out.append((model, day_no, r.input[0] / 1e6, r.cache_write_5m[0] / 1e6, r.cache_write_1h[0] / 1e6,
                        r.cache_read[0] / 1e6, r.output[0] / 1e6))
    return out
