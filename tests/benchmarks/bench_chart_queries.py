"""The charts' heaviest reads and the chat-figure backfill, timed without the window (CPU time of the thread
as well as wall time: on a shared machine the CPU time is what another process's load disturbs least).

Usage: python tests/benchmarks/bench_chart_queries.py [--work /tmp/tp-bench-charts] [--runs 5] [--backfill]

Reads the store bench_charts.py generates (run that first). Each read runs on a fresh read-only connection
in autocommit mode, as the charts run it; `--backfill` copies the store, empties the chat figures (and the
waste tables) and times `chat_stats.refresh_stale` over all of it. Prints one JSON line, so that two code
trees can be compared side by side: run it alternately with PYTHONPATH set to each tree's `app` folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 20)  # bench_charts.END


def _reader(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA cache_size=-32768")
    return conn


def reads(db: Path, runs: int) -> dict[str, dict[str, float]]:
    from tokenpulse.insights import chart_chats, chart_data

    try:
        from tokenpulse.insights import chart_periods
    except ImportError:  # a tree from before the waste layer: the days alone
        chart_periods = None  # type: ignore[assignment]
    out: dict[str, dict[str, float]] = {}

    def measure(name: str, read: Callable[[sqlite3.Connection], Any]) -> None:
        cpu, wall = [], []
        for _ in range(runs):
            conn = _reader(db)
            t0, c0 = time.perf_counter(), time.thread_time()
            read(conn)
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
            conn.close()
        out[name] = {"cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall)}

    def span(conn: sqlite3.Connection, key: str) -> chart_data.DayRange:
        found = chart_data.data_days(conn, ZONE)
        return chart_data.preset_range(key, TODAY, found[0] if found else None)

    for key in ("all", "1y", "30d"):
        if chart_periods is not None:
            measure(f"overview {key}", lambda c, k=key: chart_periods.overview(c, ZONE, span(c, k), TODAY))
        else:
            measure(f"overview {key}", lambda c, k=key: chart_data.daily(c, ZONE, span(c, k)))
        measure(f"chats {key}", lambda c, k=key: chart_chats.chats(c, ZONE, span(c, k)))
        measure(f"projects {key}", lambda c, k=key: chart_chats.projects(c, ZONE, span(c, k)))
    again: list[tuple[float, float]] = []

    def sorted_twice(conn: sqlite3.Connection) -> None:
        rng = span(conn, "all")
        chart_chats.chats(conn, ZONE, rng, "output")
        t0, c0 = time.perf_counter(), time.thread_time()
        chart_chats.chats(conn, ZONE, rng, "cost")  # the same connection: its temporary tables may serve
        again.append(((time.thread_time() - c0) * 1000, (time.perf_counter() - t0) * 1000))

    measure("chats all, sorted by output then by cost", sorted_twice)
    out["chats all, the second sort alone"] = {"cpu_ms": statistics.median(a[0] for a in again),
                                               "wall_ms": statistics.median(a[1] for a in again)}
    return out


def backfill(db: Path, work: Path) -> dict[str, object]:
    from tokenpulse.insights import chat_stats
    from tokenpulse.store import rollups
    from tokenpulse.store.db import connect
    from tokenpulse.store.tx import write_tx

    work.mkdir(parents=True, exist_ok=True)
    copy = work / "tokenpulse.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    conn = connect(copy)
    emptied = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                          " AND name IN ('chat_stats', 'waste_rollup', 'waste_quarter')")]
    with write_tx(conn):
        for table in emptied:
            conn.execute(f"DELETE FROM {table}")
    stored = rollups.StoredRates(conn)
    memo: dict[tuple[str, str], object] = {}

    class Cached:  # as the app's Pricer: each (model, day) read once
        def rates(self, model: str, day: str):  # type: ignore[no-untyped-def]
            if (model, day) not in memo:
                memo[(model, day)] = stored.rates(model, day)
            return memo[(model, day)]

    t0, c0 = time.perf_counter(), time.process_time()
    chat_stats.refresh_stale(conn, Cached(), 5_000)
    result = {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - t0, "emptied": emptied}
    conn.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/tp-bench-charts")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--backfill", action="store_true")
    args = ap.parse_args()
    db = Path(args.work) / "tokenpulse.sqlite3"
    if not db.exists():
        raise SystemExit(f"{db} is missing: run tests/benchmarks/bench_charts.py first")
    result = backfill(db, Path(args.work) / "backfill") if args.backfill else reads(db, args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
