"""`tokenpulse status --json` (no app) of two source trees side by side, on one store: a change's before and after.

Usage: python tests/benchmarks/bench_status_trees.py --before DIR --after DIR [--size-mb 1500] [--runs 21]
                                                     [--work /tmp/tp-bench-status-trees] [--reuse]
  DIR: a checkout's root (its `app/` is put first on PYTHONPATH), e.g. one made by `git worktree add`.
  --reuse: keep the corpus and store of an earlier run in --work (generating 1.5 GB takes a minute or two).

As bench_status.py: a corpus is generated and scanned once (by the `after` tree), then a short chat stamped now
is added and scanned, so a live chat exists. First both trees answer under one frozen clock, twice each: the
answers must be byte for byte the same (else it stops). Then, alternating (the order turns every round, so that
neither tree always runs on a warmer machine), `--runs` times each: `python -c pass`, and per tree
`status --json` (a no-op scan first) and `status --json --no-scan`. Prints medians of wall time and of the
process's CPU time (user + system; steadier than wall time on a shared machine), after/before ratios and the
100 ms target, as Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus
from bench_env import run_cpu
from bench_status import TARGET_S, live_turn

# `python -m tokenpulse` with the clock frozen at argv[1] (ms): the same store then gives the same bytes
FROZEN = ("import sys, runpy, time; now = int(sys.argv.pop(1)); time.time_ns = lambda: now * 1_000_000;"
          " time.time = lambda: now / 1000; sys.argv[0] = 'tokenpulse';"
          " runpy.run_module('tokenpulse', run_name='__main__', alter_sys=True)")


def _live_turn(data: Path) -> None:
    """A live chat in a session of its own (so that --reuse adds a new live chat each run)."""
    live_turn(data, f"bench-live-{time.time_ns() // 1_000_000}")


def _env(base: dict[str, str], root: Path) -> dict[str, str]:
    return dict(base, PYTHONPATH=str(root / "app"))


def _same_answers(trees: dict[str, Path], base: dict[str, str]) -> int:
    """Both trees' answers under one frozen clock (each asked twice: a first answer may still refresh the store);
    the number of bytes compared (the last answers of each form). Stops the benchmark when they differ."""
    now = str(time.time_ns() // 1_000_000)
    compared = 0
    for args in (["status", "--json"], ["status", "--json", "--no-scan"], ["status"], ["status", "--no-scan"]):
        outs = {}
        for _ in range(2):
            for name, root in trees.items():
                outs[name] = subprocess.run([sys.executable, "-c", FROZEN, now, *args], env=_env(base, root),
                                            check=True, capture_output=True).stdout
        if outs["before"] != outs["after"]:
            raise SystemExit(f"`{' '.join(args)}` answers differ:\n{outs['before']!r}\n{outs['after']!r}")
        compared += len(outs["after"])
    return compared


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, type=Path)
    ap.add_argument("--after", required=True, type=Path)
    ap.add_argument("--size-mb", type=float, default=1500)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--work", default="/tmp/tp-bench-status-trees", type=Path)
    ap.add_argument("--reuse", action="store_true", help="keep the corpus and store of an earlier run")
    args = ap.parse_args()
    data, home = args.work / "corpus", args.work / "home"
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLAUDE", "CODEX", "TOKENPULSE")) and k != "PYTHONDONTWRITEBYTECODE"}
    base.update(CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"), TOKENPULSE_HOME=str(home))
    for root in trees.values():  # compiled modules, as an installed wheel has them
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "app")], check=True)
    if not (args.reuse and (home / "tokenpulse.sqlite3").exists()):
        import shutil

        shutil.rmtree(args.work, ignore_errors=True)
        corpus.generate(data, args.size_mb, seed=42)
    _live_turn(data)  # stamped now: the live chat stays live for the next ten minutes
    tp = [sys.executable, "-m", "tokenpulse"]
    subprocess.run([*tp, "scan"], env=_env(base, trees["after"]), check=True, stdout=subprocess.DEVNULL)
    compared = _same_answers(trees, base)
    files = sum(1 for p in data.rglob("*") if p.is_file())
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], base)}
    for flag in ("", " --no-scan"):
        for name, root in trees.items():
            commands[f"status --json{flag} ({name})"] = ([*tp, "status", "--json", *flag.split()], _env(base, root))
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    names = list(commands)
    start = time.monotonic()
    for i in range(args.runs):
        for name in names if i % 2 == 0 else names[::-1]:
            w, c, _rss, _out = run_cpu(*commands[name])
            wall[name].append(w)
            cpu[name].append(c)
    load = os.getloadavg()
    med_w = {k: statistics.median(v) * 1000 for k, v in wall.items()}
    med_c = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
    print(f"{files:,} files under the corpus; {args.runs} runs each, alternating, in {time.monotonic() - start:.0f} s;"
          f" load average after: {load[0]:.2f} {load[1]:.2f}; answers identical ({compared:,} bytes, frozen clock)\n")
    print("| command | before ms | after ms | after/before | CPU before ms | CPU after ms | CPU after/before"
          " | after vs 100 ms |\n|---|---|---|---|---|---|---|---|")
    print(f"| `python -c pass` | {med_w['python -c pass']:.0f} | | | {med_c['python -c pass']:.0f} | | | |")
    for flag in ("", " --no-scan"):
        b, a = f"status --json{flag} (before)", f"status --json{flag} (after)"
        print(f"| `status --json{flag}` | {med_w[b]:.0f} | {med_w[a]:.0f} | {med_w[a] / med_w[b]:.2f} |"
              f" {med_c[b]:.0f} | {med_c[a]:.0f} | {med_c[a] / med_c[b]:.2f} | {med_w[a] / (TARGET_S * 1000):.2f} |")
    print("\nraw wall s: " + json.dumps({k: [round(x, 4) for x in v] for k, v in wall.items()}))


if __name__ == "__main__":
    main()
