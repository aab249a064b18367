"""Scan benchmark: tokenpulse vs ccusage on one generated corpus, side by side, medians and ratios.

Usage: python tests/benchmarks/bench_scan.py [--size-mb 500] [--runs 3] [--work /tmp/tp-bench] [--parse-only]
Prints a Markdown table for BENCHMARKS.md. Whole processes are timed, so start-up and imports count.

--parse-only times the per-byte work alone: every log read to calls as a first import reads it, nothing
stored (tests/benchmarks/parse_only.py), with the compiled accelerator and with the pure-Python path, in one
process and with a 2-process pool, each against ccusage's whole run in the same rotation. CPU time (user +
system, children included) is reported beside wall time: on a shared machine it is the steadier of the two.
--profile adds a cProfile of the in-process compiled read.
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

PARSE_ONLY = HERE / "parse_only.py"

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
    ap.add_argument("--parse-only", action="store_true", help="time the parse alone against ccusage's whole run")
    ap.add_argument("--profile", action="store_true", help="with --parse-only: a cProfile of the compiled read")
    args = ap.parse_args()
    work = Path(args.work)
    data = work / "corpus"
    expected_file = data / "expected.json"
    if not expected_file.exists() or json.loads(expected_file.read_text()).get("size_mb") != args.size_mb:
        shutil.rmtree(data, ignore_errors=True)
        t = time.perf_counter()
        # in a child process: a child's peak RSS (ru_maxrss) starts from this process's size when it forks, so
        # a bench process holding a generator's state would inflate every figure measured after it
        subprocess.run([sys.executable, str(HERE / "corpus.py"), str(data), "--size-mb", str(args.size_mb),
                        "--seed", "42"], check=True)
        expected = json.loads(expected_file.read_text())
        expected["size_mb"] = args.size_mb
        expected_file.write_text(json.dumps(expected))
        print(f"generated {expected['bytes'] / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    expected = json.loads(expected_file.read_text())
    log_bytes = expected["bytes"]
    base_env = bench_env()
    env = dict(base_env, CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"))
    ccu = [ccusage_binary(), "daily", "--json", "--offline", "-z", "UTC"]
    tp = [sys.executable, "-m", "tokenpulse", "scan"]
    if args.parse_only:
        parse_only(args, env, ccu, log_bytes, expected)
        return

    full_tp, full_ccu, inc_tp, rss_tp, rss_ccu, store, full_pure = [], [], [], [], [], [], []
    for i in range(args.runs):
        home = work / f"home-{i}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work / "home-pure", ignore_errors=True)
        tp_env = dict(env, TOKENPULSE_HOME=str(home))
        pure_env = dict(env, TOKENPULSE_HOME=str(work / "home-pure"), TOKENPULSE_PURE_PYTHON="1")
        # rotate the order so no tool always runs on a warmer cache
        trio = [("ccu", ccu, env), ("tp", tp, tp_env), ("pure", tp, pure_env)]
        for name, cmd, e in trio[i % 3:] + trio[:i % 3]:
            wall, rss, _ = run(cmd, e)
            if name == "pure":
                full_pure.append(wall)
                continue
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
        ("first full scan, pure-Python path, wall s", med(full_pure), med(full_ccu), "—"),
        ("peak memory, MiB", med(rss_tp), med(rss_ccu), "≤ 1.0"),
        ("after appending one turn, wall s", med(inc_tp), med(ccu_after), "≤ 0.25"),
    ]
    print(f"corpus: {log_bytes / 1e6:,.0f} MB in {expected['files']:,} files; {args.runs} runs each; medians\n")
    print("| measure | tokenpulse | ccusage | ratio | target |\n|---|---|---|---|---|")
    for label, ours, theirs, target in rows:
        print(f"| {label} | {ours:,.2f} | {theirs:,.2f} | {ours / theirs:.2f} | {target} |")
    print(f"| store size, MB | {med(store) / 1e6:,.1f} | — | {med(store) / log_bytes:.3%} of log bytes | ≤ 5 % |")
    print("\nraw: " + json.dumps({"tp_full": full_tp, "ccu_full": full_ccu, "tp_inc": inc_tp, "ccu_after": ccu_after,
                                  "rss_tp": rss_tp, "rss_ccu": rss_ccu, "store": store,
                                  "tp_full_pure": full_pure}))


def run_cpu(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes]:
    """(wall s, CPU s of the process and its children, peak RSS MiB, stdout) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed with {status}")
    cpu = usage.ru_utime + usage.ru_stime  # Linux counts the children it reaped (a pool's workers) in it
    return wall, cpu, usage.ru_maxrss // 1024, out


def parse_only(args: argparse.Namespace, env: dict[str, str], ccu: list[str], log_bytes: int,
               expected: dict[str, object]) -> None:
    """The parse alone, four ways, against ccusage's whole run, in one rotation."""
    tp = [sys.executable, str(PARSE_ONLY)]
    variants = {
        "ccusage daily (whole run)": (ccu, env),
        "parse, compiled, 1 process": (tp, dict(env, TOKENPULSE_SCAN_WORKERS="1")),
        "parse, pure Python, 1 process": (tp, dict(env, TOKENPULSE_SCAN_WORKERS="1", TOKENPULSE_PURE_PYTHON="1")),
        "parse, compiled, pool of 2": (tp, dict(env, TOKENPULSE_SCAN_WORKERS="2")),
        "parse, pure Python, pool of 2": (tp, dict(env, TOKENPULSE_SCAN_WORKERS="2", TOKENPULSE_PURE_PYTHON="1")),
    }
    names = list(variants)
    results: dict[str, list[tuple[float, float, int]]] = {n: [] for n in names}
    calls = set()
    for i in range(args.runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            cmd, e = variants[name]
            wall, cpu, rss, out = run_cpu(cmd, e)
            results[name].append((wall, cpu, rss))
            if cmd is tp:
                calls.add(json.loads(out)["calls"])
    assert len(calls) == 1, f"the variants read different numbers of calls: {calls}"
    med = statistics.median
    base_wall = med(w for w, _, _ in results[names[0]])
    base_cpu = med(c for _, c, _ in results[names[0]])
    print(f"corpus: {log_bytes / 1e6:,.0f} MB in {expected['files']:,} files; {args.runs} runs each, rotated;"
          f" medians; parse-only reads {calls.pop():,} call records\n")
    print("| process | wall s | × ccusage wall | CPU s | × ccusage CPU | peak MiB |\n|---|---|---|---|---|---|")
    for name in names:
        wall = med(w for w, _, _ in results[name])
        cpu = med(c for _, c, _ in results[name])
        rss = med(r for _, _, r in results[name])
        print(f"| {name} | {wall:.2f} | {wall / base_wall:.2f} | {cpu:.2f} | {cpu / base_cpu:.2f} | {rss} |")
    print("\nraw: " + json.dumps(results))
    if args.profile:
        subprocess.run([*tp, "--profile"], env=dict(env, TOKENPULSE_SCAN_WORKERS="1"), check=True)


if __name__ == "__main__":
    main()
