"""Charts benchmark: open the charts window on a store of >= 2 million calls and switch every view and range.

Usage: python tests/benchmarks/bench_charts.py [--calls 2000000] [--runs 5] [--work /tmp/tp-bench-charts]
                                                [--regenerate]

1. Generates (once) a store of two years of heavy use straight with SQL: ~21k chats of Claude Code, Codex,
   Gemini and Qwen, sub-agent chats, growing contexts, six models, prices cached per model and day; then
   backfills the rollups and the chat figures (with their quarter-hours of waste) as the app does at start-up
   (timed).
2. `--runs` fresh processes, offscreen, each timing the session's first "Open charts": importing the charts
   package (pyqtgraph, numpy) and drawing the Overview, as the tray app does on first use.
3. One more fresh process (so its memory is the app's alone): opens ChartsWindow again, switches each view
   and each range with the cache dropped (the listings' temporary tables too, as new data would), waiting for
   the view to be drawn, opens the longest chat as a reminder would, and sorts the chats of all two years
   by one column after another (their temporary tables kept). Prints medians (ms) and the resident memory
   (MiB) as Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ZONE = "Europe/Paris"  # the settings' zone of the benchmark (DST changes inside the two years)
DAYS = 730
# model: (source, input, cache write 5m, cache read, output) in USD per million tokens
MODELS = {
    "claude-sonnet-4-5-20250929": ("claude-code", 3.0, 3.75, 0.30, 15.0),
    "claude-opus-4-5-20251101": ("claude-code", 5.0, 6.25, 0.50, 25.0),
    "claude-haiku-4-5-20251001": ("claude-code", 1.0, 1.25, 0.10, 5.0),
    "gpt-5-codex": ("codex", 1.25, 1.25, 0.125, 10.0),
    "gemini-2.5-pro": ("gemini", 1.25, 1.25, 0.31, 10.0),
    "qwen3-coder-plus": ("qwen", 1.0, 1.0, 0.10, 5.0),
}
WEIGHTS = [44, 10, 7, 26, 8, 5]  # of MODELS: most of the work in Claude Code and Codex, some elsewhere
HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 10, 7, 10, 12, 12, 11, 9, 6, 5, 5, 4, 3, 2]


def _sessions(target_calls: int, rng: random.Random) -> list[tuple]:  # type: ignore[type-arg]
    """(id, source, key, parent_key, project, start_ms, calls, gap_ms, floor, growth, model)."""
    out: list[tuple] = []  # type: ignore[type-arg]
    projects = [f"/home/dev/src/project-{i:02d}" for i in range(24)]
    start_day = END - timedelta(days=DAYS)
    total = 0
    sid = 0
    while total < target_calls:
        day = start_day + timedelta(days=rng.randrange(DAYS))
        weight = 1.0 if day.weekday() < 5 else 0.35
        if rng.random() > weight:
            continue
        hour = rng.choices(range(24), HOURS)[0]
        start = int((day.replace(hour=hour, minute=rng.randrange(60))).timestamp() * 1000)
        model = rng.choices(list(MODELS), WEIGHTS)[0]
        source = MODELS[model][0]
        n = rng.randint(20, 200)
        sid += 1
        key = f"s{sid:06d}"
        project = rng.choice(projects[: 6 + sid % 18])
        gap = rng.randint(15_000, 90_000)
        out.append((sid, source, key, None, project, start, n, gap, rng.randint(8_000, 30_000),
                    rng.randint(400, 2_500), model))
        total += n
        if source == "claude-code" and rng.random() < 0.15:
            for a in range(2):
                sid += 1
                m = rng.randint(10, 40)
                out.append((sid, source, f"{key}:agent{a}", key, project, start + rng.randint(1, 20) * 60_000, m,
                            rng.randint(5_000, 20_000), rng.randint(5_000, 12_000), rng.randint(300, 1500), model))
                total += m
    return out


def generate(db: Path, target_calls: int) -> dict[str, float]:
    from tokenpulse.insights import chat_stats
    from tokenpulse.pricing.rates import Rates
    from tokenpulse.store import rollups
    from tokenpulse.store.db import connect

    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    rng = random.Random(42)
    sessions = _sessions(target_calls, rng)
    conn = connect(db)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO chat_session (id, source, session_key, parent_key, project, first_ms, last_ms,"
                     " models) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(s[0], s[1], s[2], s[3], s[4], s[5], s[5] + (s[6] - 1) * s[7], s[10]) for s in sessions])
    conn.execute("CREATE TEMP TABLE gen (id INTEGER PRIMARY KEY, source TEXT, start_ms INT, n INT, gap INT,"
                 " floor INT, growth INT, model TEXT)")
    conn.executemany("INSERT INTO gen VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(s[0], s[1], s[5], s[6], s[7], s[8], s[9], s[10]) for s in sessions])
    conn.execute("CREATE TEMP TABLE price (model TEXT PRIMARY KEY, p_in REAL, p_cw REAL, p_cr REAL, p_out REAL)")
    conn.executemany("INSERT INTO price VALUES (?, ?, ?, ?, ?)", [(m, *v[1:]) for m, v in MODELS.items()])
    conn.execute("CREATE TEMP TABLE k (i INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO k VALUES (?)", [(i,) for i in range(200)])
    conn.execute(_CALLS_SQL)
    first, last = (datetime.fromtimestamp(ms / 1000, tz=UTC).date()
                   for ms in conn.execute("SELECT min(ts_ms), max(ts_ms) FROM api_call").fetchone())
    # a price for every day a call falls on (a chat started on the last evening runs into the next day)
    days = [(first + timedelta(days=d)).isoformat() for d in range((last - first).days + 1)]
    conn.executemany("INSERT OR REPLACE INTO model_price (model, day, rates) VALUES (?, ?, ?)",
                     [(m, d, Rates.flat(v[1], v[4], v[3], v[2], v[2] * 1.6).to_json())
                      for m, v in MODELS.items() for d in days])
    conn.execute("COMMIT")
    t_insert = time.perf_counter() - t0
    calls = conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
    memo: dict[tuple[str, str], object] = {}
    stored = rollups.StoredRates(conn)

    class Cached:
        def rates(self, model: str, day: str):  # type: ignore[no-untyped-def]
            key = (model, day)
            if key not in memo:
                memo[key] = stored.rates(model, day)
            return memo[key]

    t0 = time.perf_counter()
    rollups.refresh_stale(conn, Cached(), ZoneInfo(ZONE))  # as bring_up_to_date does, in the settings' zone
    t_rollup = time.perf_counter() - t0
    t0 = time.perf_counter()
    chat_stats.refresh_stale(conn, Cached(), 5_000)
    t_stats = time.perf_counter() - t0
    rows = conn.execute("SELECT count(*) FROM usage_rollup").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"calls": calls, "sessions": len(sessions), "rollup_rows": rows, "insert_s": t_insert,
            "rollup_backfill_s": t_rollup, "chat_stats_backfill_s": t_stats, "db_mb": db.stat().st_size / 2**20}


# Context grows by `growth` per call from the chat's floor (wrapping as a compaction would); the first call
# writes the floor to the cache, later ones write the growth and re-read the rest.
_CALLS_SQL = """
INSERT INTO api_call (dedupe_key, source, session_id, ts_ms, model, input, cache_write_5m, cache_write_1h,
                      cache_read, output, reasoning, cost_usd, message_hash, is_sidechain)
SELECT CAST(id * 1000 + i AS BLOB), source, id, ts, model, inp, cw, 0, ctx - inp - cw, out, 0,
       (inp * p_in + cw * p_cw + (ctx - inp - cw) * p_cr + out * p_out) / 1e6, NULL, 0
FROM (
    SELECT g.id, k.i, g.source, g.model, g.start_ms + k.i * g.gap AS ts, p.p_in, p.p_cw, p.p_cr, p.p_out,
           g.floor + (k.i * g.growth) % 160000 AS ctx, 20 + abs(random()) % 400 AS inp,
           CASE WHEN k.i = 0 THEN g.floor - 500 ELSE g.growth END AS cw, 80 + abs(random()) % 2400 AS out
    FROM gen g JOIN k ON k.i < g.n JOIN price p ON p.model = g.model
)
"""


def _drawn(app, win, trigger, signal=None) -> float:  # type: ignore[no-untyped-def]
    """ms from `trigger()` until the window says a view was drawn (or `signal` fired) and the frame is painted."""
    done: list[object] = []
    signal = signal or win.sig_view_updated
    signal.connect(done.append)
    start = time.perf_counter()
    trigger()
    while not done:
        app.processEvents()
        time.sleep(0.0005)
    win.repaint()  # the frame is drawn, not merely scheduled
    elapsed = (time.perf_counter() - start) * 1000
    signal.disconnect(done.append)
    return elapsed


def cold_open(db: Path) -> dict[str, float]:
    """Runs in a fresh process: the first "Open charts" of a session, as the tray app does it (its
    QApplication exists; the charts package, pyqtgraph and numpy are imported on that first open)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from tokenpulse.clock import FakeClock
    from tokenpulse.config.settings import Settings

    app = QApplication.instance() or QApplication([])
    base = _rss_mib()
    start = time.perf_counter()
    from tokenpulse.gui.charts.window import ChartsWindow

    win = ChartsWindow(db, Settings(timezone=ZONE), FakeClock(END))
    _drawn(app, win, win.show)
    return {"cold_open_ms": (time.perf_counter() - start) * 1000, "rss_before_mib": base, "rss_open_mib": _rss_mib()}


def measure(db: Path, runs: int) -> dict[str, object]:
    """Runs in its own process: the app's view of the store, offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from tokenpulse.clock import FakeClock
    from tokenpulse.config.settings import Settings
    from tokenpulse.gui.charts.window import VIEWS, ChartsWindow

    app = QApplication.instance() or QApplication([])
    settings = Settings(timezone=ZONE)
    clock = FakeClock(END)
    opens: list[float] = []
    win = None
    for _ in range(runs):  # opening again in the same session: a new window, modules already imported
        if win is not None:
            win.shutdown()
            win.close()
            win.deleteLater()
            app.processEvents()
        start = time.perf_counter()
        win = ChartsWindow(db, settings, clock)
        _drawn(app, win, win.show)
        opens.append((time.perf_counter() - start) * 1000)
    assert win is not None
    keys = ("7d", "30d", "90d", "1y", "all")
    switch: dict[str, list[float]] = {v: [] for v in VIEWS}
    cells: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):
        for view in VIEWS:
            win.set_range("30d")
            win.drop_cache()
            if view == VIEWS[0]:
                _drawn(app, win, lambda: win.show_view(VIEWS[-1]))  # come from another view
                win.drop_cache()
            switch[view].append(_drawn(app, win, lambda v=view: win.show_view(v)))
            for key in keys:
                win.drop_cache()
                cells.setdefault((view, key), []).append(_drawn(app, win, lambda k=key: win.set_range(k)))
    # a reminder's "open the chat" on the longest chat: Chats listed, the chat selected, its curve drawn
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    longest = conn.execute("SELECT session_id FROM usage_chat ORDER BY calls DESC LIMIT 1").fetchone()[0]
    conn.close()
    curves: list[float] = []
    for _ in range(runs):
        win.set_range("30d")
        _drawn(app, win, lambda: win.show_view("overview"))
        win.drop_cache()
        win.chats.shown_session = None
        curves.append(_drawn(app, win, lambda: win.show_session(longest), win.chats.sig_curve_shown))
    # sorting the chats of all two years by one column, then another, with no new data in between: the
    # listing's temporary tables are built for the first and kept for the rest
    from PySide6.QtCore import Qt

    sorts: list[float] = []
    win.set_range("all")
    _drawn(app, win, lambda: win.show_view("chats"))
    for _ in range(runs):
        for column in (5, 6, 4, 0):
            for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
                win._cache.clear()  # the listed results only (a sort seen before would be a cache hit)
                sorts.append(_drawn(app, win, lambda c=column, o=order: win.chats.tree.sortByColumn(c, o)))
    win.close()
    app.processEvents()
    everything = [*opens, *(x for v in switch.values() for x in v), *(x for v in cells.values() for x in v), *curves]
    return {"open_ms": statistics.median(opens), "switch": {k: statistics.median(v) for k, v in switch.items()},
            "cells": {f"{v}|{k}": statistics.median(x) for (v, k), x in cells.items()},
            "chat_ms": statistics.median(curves), "sort_ms": statistics.median(sorts), "worst_ms": max(everything),
            "rss_mib": _rss_mib(), "peak_rss_mib": _peak_rss_mib()}


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, db: Path, runs: int) -> dict:  # type: ignore[type-arg]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, __file__, mode, str(db), "--runs", str(runs)], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/tmp/tp-bench-charts")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--measure-only", help=argparse.SUPPRESS)
    ap.add_argument("--cold-open", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        print(json.dumps(measure(Path(args.measure_only), args.runs)))
        return
    if args.cold_open:
        print(json.dumps(cold_open(Path(args.cold_open))))
        return
    db = Path(args.work) / "tokenpulse.sqlite3"
    if args.regenerate or not db.exists():
        gen = generate(db, args.calls)
        print(f"generated: {gen['calls']:,} calls, {gen['sessions']:,} chats, {gen['rollup_rows']:,} rollup rows,"
              f" {gen['db_mb']:.0f} MiB; insert {gen['insert_s']:.1f} s, rollup backfill"
              f" {gen['rollup_backfill_s']:.1f} s, chat_stats backfill {gen['chat_stats_backfill_s']:.1f} s")
    load = os.getloadavg()[0]
    colds = [_child("--cold-open", db, 1) for _ in range(args.runs)]  # each in a fresh process
    res = _child("--measure-only", db, args.runs)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    calls, first, last = conn.execute("SELECT count(*), min(ts_ms), max(ts_ms) FROM api_call").fetchone()
    chats = conn.execute("SELECT count(*) FROM chat_session").fetchone()[0]
    conn.close()
    span = (last - first) / 86_400_000
    print(f"\nCharts window on {calls:,} calls in {chats:,} chats over {span:.0f} days; median of {args.runs} runs,"
          f" offscreen, cached results dropped before every action; load average {load:.1f} →"
          f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    cold = statistics.median(c["cold_open_ms"] for c in colds)
    print(f"First open of a session (imports pyqtgraph and the charts; Overview, 30 d, drawn): {cold:.0f} ms")
    print(f"Open again (a new window, modules loaded): {res['open_ms']:.0f} ms")
    print(f"Open one chat from a reminder (Chats listed, the longest chat's curve drawn): {res['chat_ms']:.0f} ms")
    print(f"Sort the chats of all two years again (no new data): {res['sort_ms']:.0f} ms\n")
    keys = ("7d", "30d", "90d", "1y", "all")
    print("| View | switch to it (30 d) | " + " | ".join(f"range {k}" for k in keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for view, ms in res["switch"].items():
        cells = " | ".join(f"{res['cells'][f'{view}|{k}']:.0f}" for k in keys)
        print(f"| {view} | {ms:.0f} | {cells} |")
    before = statistics.median(c["rss_before_mib"] for c in colds)
    opened = statistics.median(c["rss_open_mib"] for c in colds)
    print(f"\nSlowest single action: {res['worst_ms']:.0f} ms. Resident memory: {before:.0f} MiB with a bare"
          f" QApplication, {opened:.0f} MiB with the window open, {res['rss_mib']:.0f} MiB after every view and"
          f" range (peak {res['peak_rss_mib']:.0f} MiB).")


if __name__ == "__main__":
    main()
