"""The report commands' latency on a current store (`--no-scan`), as whole processes, optionally beside another
checkout's (what the waste columns and the folding cost).

Usage: python tests/benchmarks/bench_reports.py [--size-mb 300] [--runs 9] [--work /tmp/tp-bench-reports]
                                                [--baseline-app /path/to/other/app]
A corpus is generated and scanned once. Then, in alternating order, each report runs `--runs` times (table and
JSON); with `--baseline-app` (another checkout's `app/` folder, e.g. from `git archive <commit> app`), the same
commands run with that code first on PYTHONPATH, on the same store. Prints the median CPU time of each
(user + system of the child process: wall times on a shared machine measure the neighbours) and the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus
from bench_env import bench_env

COMMANDS = (("daily",), ("daily", "--json"), ("monthly",), ("sessions",), ("sessions", "--json"), ("projects",),
            ("projects", "--json"))


def cpu_ms(cmd: list[str], env: dict[str, str]) -> float:
    """CPU time (user + system) of one whole process: on a shared machine, wall times are mostly the others'."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with {status}")
    return (usage.ru_utime + usage.ru_stime) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=300)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--work", default="/tmp/tp-bench-reports")
    ap.add_argument("--baseline-app", type=Path, help="another checkout's app/ folder to time beside this one")
    args = ap.parse_args()
    work = Path(args.work)
    logs, data = work / "logs", work / "data"
    env = bench_env()
    env.update(HOME=str(work / "home"), CLAUDE_CONFIG_DIR=str(logs / "claude"), CODEX_HOME=str(logs / "codex"),
               TOKENPULSE_HOME=str(data), TZ="UTC", NO_COLOR="1")
    if not (logs / "expected.json").exists():
        shutil.rmtree(work, ignore_errors=True)
        corpus.main([str(logs), "--size-mb", str(args.size_mb)])
    if not (data / "tokenpulse.sqlite3").exists():
        subprocess.run([sys.executable, "-m", "tokenpulse", "scan"], env=env, check=True, stdout=subprocess.DEVNULL)
    calls = subprocess.run([sys.executable, "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1])"
                            ".execute('SELECT count(*) FROM api_call').fetchone()[0])", str(data / "tokenpulse.sqlite3")],
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"store: {calls} calls from a {args.size_mb:g} MB corpus; {args.runs} runs each, alternating")
    variants = {"this": env}
    if args.baseline_app:
        variants["baseline"] = dict(env, PYTHONPATH=os.pathsep.join([str(args.baseline_app.resolve()),
                                                                      env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    times: dict[tuple[str, tuple[str, ...]], list[float]] = {}
    for _ in range(args.runs):
        for cmd in COMMANDS:
            for name, variant_env in variants.items():
                times.setdefault((name, cmd), []).append(
                    cpu_ms([sys.executable, "-m", "tokenpulse", *cmd, "--no-scan"], variant_env))
    print(f"median CPU ms\n{'command':<24}" + "".join(f"{n:>12}" for n in variants)
          + ("       ratio" if len(variants) > 1 else ""))
    for cmd in COMMANDS:
        medians = [statistics.median(times[(n, cmd)]) for n in variants]
        ratio = f"{medians[0] / medians[1]:>12.2f}" if len(medians) > 1 else ""
        print(f"{' '.join(cmd):<24}" + "".join(f"{m:>12.0f}" for m in medians) + ratio)


if __name__ == "__main__":
    main()
