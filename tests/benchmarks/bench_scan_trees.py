"""Scan benchmark of two source trees side by side (a change's before and after), on one generated corpus.

Usage: python tests/benchmarks/bench_scan_trees.py --before DIR --after DIR [--size-mb 20] [--runs 21]
  DIR: a checkout's root (its `app/` is put first on PYTHONPATH), e.g. one made by
  `git archive <commit> | tar -x -C /tmp/before`.

Times whole `python -m tokenpulse scan` processes, the two trees alternating so that neither always runs on a
warmer machine: a first full scan (fresh store), a re-scan after one turn was appended to one Claude session,
and a re-scan with nothing new. Prints medians of wall time and of the process's CPU time (user + system;
steadier than wall time on a shared machine) and after/before ratios, as Markdown. Then the scan alone, without
the process around it: each tree's `Workspace.scan()` timed in one process per tree (CPU time of the thread),
the two processes taking turns in rounds.
"""

from __future__ import annotations

import argparse
import compileall
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


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed with {status}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, type=Path)
    ap.add_argument("--after", required=True, type=Path)
    ap.add_argument("--size-mb", type=float, default=20)
    ap.add_argument("--runs", type=int, default=21, help="runs of each re-scan (the full scan runs a quarter)")
    ap.add_argument("--work", default="/tmp/tp-bench-trees", type=Path)
    args = ap.parse_args()
    data = args.work / "corpus"
    shutil.rmtree(args.work, ignore_errors=True)
    expected = corpus.generate(data, args.size_mb, seed=42)
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLAUDE", "CODEX", "TOKENPULSE")) and k != "PYTHONDONTWRITEBYTECODE"}
    base.update(CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"),
                HOME=str(args.work / "nohome"), TOKENPULSE_SCAN_WORKERS="1")
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for root in trees.values():
        compileall.compile_dir(str(root / "app"), quiet=1)
    cmd = [sys.executable, "-m", "tokenpulse", "scan"]

    def env(name: str, home: Path) -> dict[str, str]:
        return dict(base, PYTHONPATH=str(trees[name] / "app"), TOKENPULSE_HOME=str(home))

    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    order = list(trees)
    full_runs = max(3, args.runs // 4)
    for i in range(full_runs):
        for name in (order if i % 2 == 0 else order[::-1]):
            home = args.work / f"full-{name}-{i}"
            times.setdefault(("first full scan", name), []).append(_run(cmd, env(name, home)))
    homes = {name: args.work / f"full-{name}-0" for name in trees}
    for i in range(args.runs):
        corpus.append_turn(data, seed=100 + i)
        for name in (order if i % 2 == 0 else order[::-1]):
            times.setdefault(("after appending one turn", name), []).append(_run(cmd, env(name, homes[name])))
    for i in range(args.runs):
        for name in (order if i % 2 == 0 else order[::-1]):
            times.setdefault(("re-scan, nothing new", name), []).append(_run(cmd, env(name, homes[name])))

    med = statistics.median
    print(f"corpus: {expected['bytes'] / 1e6:,.0f} MB in {expected['files']:,} files; medians of"
          f" {full_runs} full scans and {args.runs} runs of each re-scan, alternating\n")
    print("| scan | before wall s | after wall s | ratio | before CPU s | after CPU s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for label in ("first full scan", "after appending one turn", "re-scan, nothing new"):
        b, a = times[(label, "before")], times[(label, "after")]
        bw, aw = med(t[0] for t in b), med(t[0] for t in a)
        bc, ac = med(t[1] for t in b), med(t[1] for t in a)
        print(f"| {label} | {bw:.3f} | {aw:.3f} | {aw / bw:.2f} | {bc:.3f} | {ac:.3f} | {ac / bc:.2f} |")
    print("\nraw: " + json.dumps({f"{k[0]} / {k[1]}": v for k, v in times.items()}))
    _in_process(trees, env, homes, args.runs)


IN_PROCESS = r"""
import json, sys, time
from pathlib import Path
from tokenpulse.config.paths import resolve
from tokenpulse.workspace import Workspace
ws = Workspace(resolve(Path(sys.argv[1])))
times = []
ws.scan()
for i in range(int(sys.argv[2])):
    t = time.thread_time(); ws.scan(); times.append(time.thread_time() - t)
print(json.dumps(times))
"""


def _in_process(trees: dict[str, Path], env, homes: dict[str, Path], runs: int) -> None:  # type: ignore[no-untyped-def]
    """`Workspace.scan()` with nothing new, timed inside one process per tree (no start-up, no imports)."""
    med = statistics.median
    rounds = 5
    per_tree: dict[str, list[float]] = {name: [] for name in trees}
    for r in range(rounds):
        for name in (list(trees) if r % 2 == 0 else list(trees)[::-1]):
            done = subprocess.run([sys.executable, "-c", IN_PROCESS, str(homes[name]), str(runs * 5)],
                                  env=env(name, homes[name]), capture_output=True, text=True, check=True)
            per_tree[name].extend(json.loads(done.stdout.strip().splitlines()[-1]))
    b, a = med(per_tree["before"]) * 1000, med(per_tree["after"]) * 1000
    print(f"\n| `Workspace.scan()` in process, nothing new ({len(per_tree['after'])} scans each) | before CPU ms |"
          f" after CPU ms | ratio |\n|---|---|---|---|\n| median | {b:.2f} | {a:.2f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
