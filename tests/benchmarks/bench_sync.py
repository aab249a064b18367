"""Syncing between two devices, beside the daily backup, as whole processes; and reports of all devices beside
reports of this one.

Usage: python tests/benchmarks/bench_sync.py [--size-mb 200] [--runs 7] [--work /tmp/tp-bench-sync]
Two corpora (seeds 42 and 43: disjoint calls) are generated and scanned into two data folders sharing one sync
folder; each device syncs once (publishes, then reads the other's). Then, in alternating order, each of these
runs `--runs` times on device A:
  tokenpulse backup                                the daily copy of the store: the reference
  tokenpulse sync                                  scan (nothing new) + publish + read B (unchanged)
  tokenpulse sync after B re-published             the same, B's ledger copied and checked again
  tokenpulse daily --json --no-scan --devices this
  tokenpulse daily --json --no-scan --devices all  the same report over A's store and B's copy
Prints medians and ratios (for BENCHMARKS.md), and checks the all-devices report equals the sum of both.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus
from bench_env import bench_env, run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=200)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--work", default="/tmp/tp-bench-sync")
    args = ap.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    shared = work / "Sync"
    shared.mkdir(parents=True)
    base = bench_env()
    envs = {}
    for name, seed in (("a", 42), ("b", 43)):
        logs = work / f"corpus-{name}"
        corpus.generate(logs, args.size_mb / 2, seed=seed)
        env = dict(base, CLAUDE_CONFIG_DIR=str(logs / "claude"), CODEX_HOME=str(logs / "codex"),
                   TOKENPULSE_HOME=str(work / f"home-{name}"), TZ="UTC")
        envs[name] = env
    tp = [sys.executable, "-m", "tokenpulse"]
    for name in ("a", "b", "a"):
        subprocess.run([*tp, "sync", "--folder", str(shared), "--name", name], env=envs[name], check=True,
                       stdout=subprocess.DEVNULL)
    a = envs["a"]
    commands = {
        "backup": [*tp, "backup"],
        "sync": [*tp, "sync"],
        "daily --devices this": [*tp, "daily", "--json", "--no-scan", "--devices", "this"],
        "daily --devices all": [*tp, "daily", "--json", "--no-scan", "--devices", "all"],
    }
    times: dict[str, list[float]] = {name: [] for name in [*commands, "sync after B re-published"]}
    names = list(commands)
    for i in range(args.runs):
        for name in names if i % 2 == 0 else names[::-1]:
            times[name].append(run(commands[name], a)[0])
        subprocess.run([*tp, "sync"], env=envs["b"], check=True, stdout=subprocess.DEVNULL)  # B writes anew
        times["sync after B re-published"].append(run(commands["sync"], a)[0])
    rows = {n: json.loads(subprocess.run([*tp, "daily", "--json", "--no-scan", "--devices", d], env=envs[n],
                                         check=True, capture_output=True, text=True).stdout)
            for n, d in (("a", "this"), ("b", "this"))}
    every = json.loads(subprocess.run(commands["daily --devices all"], env=a, check=True, capture_output=True,
                                      text=True).stdout)
    total = sum(r["output_tokens"] for r in every)
    if total != sum(r["output_tokens"] for rs in rows.values() for r in rs):
        raise SystemExit("the all-devices report does not equal the sum of the two devices")
    store = work / "home-a" / "tokenpulse.sqlite3"
    published = next((shared / "tokenpulse" / "devices").glob("*/ledger.sqlite3"))
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"two devices of {args.size_mb / 2:,.0f} MB of logs each; store {store.stat().st_size / 1e6:,.1f} MB,"
          f" published ledger {published.stat().st_size / 1e6:,.1f} MB; {len(every):,} report rows;"
          f" {args.runs} runs each, alternating; medians\n")
    print("| command (device A) | median ms | × backup |\n|---|---|---|")
    for name, value in med.items():
        print(f"| `{name}` | {value * 1000:,.0f} | {value / med['backup']:.2f} |")
    print(f"\nall devices / this device (daily report): {med['daily --devices all'] / med['daily --devices this']:.2f}")
    print("raw: " + json.dumps({k: [round(x, 4) for x in v] for k, v in times.items()}))


if __name__ == "__main__":
    main()
