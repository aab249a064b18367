"""Scan benchmark: tokenpulse vs ccusage on one generated corpus, side by side, medians and ratios.

Usage: python tests/benchmarks/bench_scan.py [--size-mb 500] [--runs 3] [--work /tmp/tp-bench]
Prints a Markdown table for BENCHMARKS.md. Whole processes are timed, so start-up and imports count.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus
from bench_env import bench_env, run

CCUSAGE_VERSION = "20.0.24"


def ccusage_binary() -> str:
    """The native ccusage binary that npx caches (fetched once through npm if absent)."""
    pattern = os.path.expanduser("~/.npm/_npx/*/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage")
    found = glob.glob(pattern)
    if not found:
        subprocess.run(["npx", "-y", f"ccusage@{CCUSAGE_VERSION}", "--version"], check=True,
                       capture_output=True)
        found = glob.glob(pattern)
    if not found:
        raise SystemExit("ccusage binary not found after npx; is npm installed?")
    return found[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/tp-bench")
    args = ap.parse_args()
    work = Path(args.work)
    data = work / "corpus"
    expected_file = data / "expected.json"
    if not expected_file.exists() or json.loads(expected_file.read_text()).get("size_mb") != args.size_mb:
        shutil.rmtree(data, ignore_errors=True)
        t = time.perf_counter()
        expected = corpus.generate(data, args.size_mb, seed=42)
        expected["size_mb"] = args.size_mb
        expected_file.write_text(json.dumps(expected))
        print(f"generated {expected['bytes'] / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    expected = json.loads(expected_file.read_text())
    log_bytes = expected["bytes"]
    base_env = bench_env()
    env = dict(base_env, CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"))
    ccu = [ccusage_binary(), "daily", "--json", "--offline", "-z", "UTC"]
    tp = [sys.executable, "-m", "tokenpulse", "scan"]

    full_tp, full_ccu, inc_tp, rss_tp, rss_ccu, store = [], [], [], [], [], []
    for i in range(args.runs):
        home = work / f"home-{i}"
        shutil.rmtree(home, ignore_errors=True)
        tp_env = dict(env, TOKENPULSE_HOME=str(home))
        # alternate the order so neither tool always runs on a warmer cache
        pair = [("ccu", ccu, env), ("tp", tp, tp_env)]
        for name, cmd, e in (pair if i % 2 == 0 else pair[::-1]):
            wall, rss, _ = run(cmd, e)
            (full_ccu if name == "ccu" else full_tp).append(wall)
            (rss_ccu if name == "ccu" else rss_tp).append(rss)
        db = home / "tokenpulse.sqlite3"
        store.append(sum(p.stat().st_size for p in home.glob("tokenpulse.sqlite3*")) if db.exists() else 0)
        corpus.append_turn(data, seed=100 + i)
        inc_tp.append(run(tp, tp_env)[0])
    # ccusage has no store: after an append it re-reads everything; that is its full time
    ccu_after = [run(ccu, env)[0] for _ in range(args.runs)]

    med = statistics.median
    rows = [
        ("first full scan, wall s", med(full_tp), med(full_ccu), "≤ 1.0"),
        ("peak memory, MiB", med(rss_tp), med(rss_ccu), "≤ 1.0"),
        ("after appending one turn, wall s", med(inc_tp), med(ccu_after), "≤ 0.25"),
    ]
    print(f"corpus: {log_bytes / 1e6:,.0f} MB in {expected['files']:,} files; {args.runs} runs each; medians\n")
    print("| measure | tokenpulse | ccusage | ratio | target |\n|---|---|---|---|---|")
    for label, ours, theirs, target in rows:
        print(f"| {label} | {ours:,.2f} | {theirs:,.2f} | {ours / theirs:.2f} | {target} |")
    print(f"| store size, MB | {med(store) / 1e6:,.1f} | — | {med(store) / log_bytes:.3%} of log bytes | ≤ 5 % |")
    print("\nraw: " + json.dumps({"tp_full": full_tp, "ccu_full": full_ccu, "tp_inc": inc_tp, "ccu_after": ccu_after,
                                  "rss_tp": rss_tp, "rss_ccu": rss_ccu, "store": store}))


if __name__ == "__main__":
    main()
