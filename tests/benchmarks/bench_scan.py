"""Scan benchmark: tokenpulse's first import vs ccusage's whole run, side by side on generated corpora.

Usage: python tests/benchmarks/bench_scan.py [--size-mb 500 | --sizes 100,500,1500] [--session-scale 1.0]
           [--runs 3] [--work /tmp/tp-bench] [--corpus DIR] [--baseline CHECKOUT] [--no-pure] [--parse-only]

Whole processes are timed (`tokenpulse scan` on a fresh store; `ccusage daily --json --offline`), so start-up
and imports count, in a rotation so that no contender always runs on a warmer machine. For each: wall time, CPU
time (user + system, children included: on a shared machine the steadier figure, and the one that shows a
contender using several cores) and peak memory; medians. Then an incremental scan after one turn is appended to
one session, against ccusage's full run (it has no store). Prints Markdown tables for BENCHMARKS.md.

Exactness is checked on every corpus, not assumed: ccusage's daily totals (from its timed run) and tokenpulse's
(`daily --json` on the store a timed import made, and again after the appends) must equal the generator's
ground truth per day and model, else the benchmark stops.

--sizes runs several sizes and adds the linearity figure: wall time per GB of the largest over the smallest.
--session-scale makes more, smaller logs for the same bytes (corpus.py; 0.12 gives 2,130 logs at 500 MB).
--corpus DIR benchmarks an existing corpus (with its expected.json), copied into --work first (turns are appended
  to the copy). --baseline CHECKOUT adds another source tree's import (its `app/` first on PYTHONPATH; build its
  accelerator in place first: `python setup.py build_ext --inplace` there), e.g. main before a change.
--no-pure leaves out the pure-Python path (TOKENPULSE_PURE_PYTHON=1), slow at large sizes.
--parse-only times the per-byte work alone (tests/benchmarks/parse_only.py): every log read to calls as a first
  import reads it, nothing stored, compiled and pure Python, in one process and with a 2-process pool, each
  against ccusage's whole run in the same rotation. --profile adds a cProfile of the in-process compiled read.
"""

from __future__ import annotations

import argparse
import compileall
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus
from bench_env import bench_env, run_cpu

PARSE_ONLY = HERE / "parse_only.py"

CCUSAGE_VERSION = "20.0.24"
Totals = dict[tuple[str, str], tuple[int, int, int, int]]


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


# --- corpora and their ground truth -----------------------------------------------------------------------

def prepare(args: argparse.Namespace, size_mb: float) -> Path:
    """The corpus folder for `size_mb` (generated once per size and shape, or copied from --corpus)."""
    work = Path(args.work)
    if args.corpus:
        data = work / "corpus-copy"
        source = Path(args.corpus)
        stamp = f"{source.resolve()}:{(source / 'expected.json').stat().st_mtime_ns}"
        if not (data / ".copied-from").exists() or (data / ".copied-from").read_text() != stamp:
            shutil.rmtree(data, ignore_errors=True)
            t = time.perf_counter()
            shutil.copytree(source, data)
            (data / ".copied-from").write_text(stamp)
            print(f"copied {source} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        return data
    data = work / f"corpus-{size_mb:g}mb-s{args.session_scale:g}"
    expected_file = data / "expected.json"
    shape = {"size_mb": size_mb, "session_scale": args.session_scale}
    if not expected_file.exists() or {k: json.loads(expected_file.read_text()).get(k) for k in shape} != shape:
        shutil.rmtree(data, ignore_errors=True)
        t = time.perf_counter()
        # in a child process: a child's peak RSS (ru_maxrss) starts from this process's size when it forks, so
        # a bench process holding a generator's state would inflate every figure measured after it
        subprocess.run([sys.executable, str(HERE / "corpus.py"), str(data), "--size-mb", str(size_mb),
                        "--seed", "42", "--session-scale", str(args.session_scale)], check=True)
        expected = json.loads(expected_file.read_text())
        expected.update(shape)
        expected_file.write_text(json.dumps(expected))
        print(f"generated {expected['bytes'] / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return data


def truth(data: Path) -> Totals:
    """The generator's totals per (day, model): input, cache writes, cache reads, output."""
    out: Totals = {}
    for row in json.loads((data / "expected.json").read_text())["by_day"]:
        key = (row["date"], row["model"])
        old = out.get(key, (0, 0, 0, 0))
        out[key] = (old[0] + row["input_tokens"], old[1] + row["cache_write_tokens"],
                    old[2] + row["cache_read_tokens"], old[3] + row["output_tokens"])
    return out


def ccusage_totals(stdout: bytes) -> Totals:
    out: Totals = {}
    for day in json.loads(stdout)["daily"]:
        for m in day["modelBreakdowns"]:
            out[(day["period"], m["modelName"])] = (m["inputTokens"], m["cacheCreationTokens"],
                                                    m["cacheReadTokens"], m["outputTokens"])
    return out


def tokenpulse_totals(env: dict[str, str]) -> Totals:
    """The store's daily totals as `tokenpulse daily --json` reports them (in UTC, like the generator)."""
    proc = subprocess.run([sys.executable, "-m", "tokenpulse", "daily", "--json", "--tz", "UTC"], env=env,
                          capture_output=True, check=True)
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in json.loads(proc.stdout):
        cell = acc[(row["date"], row["model"])]
        for i, key in enumerate(("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")):
            cell[i] += row[key]
    return {k: (v[0], v[1], v[2], v[3]) for k, v in acc.items()}


def check(name: str, got: Totals, expected: Totals) -> None:
    if got != expected:
        diff = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))
        raise SystemExit(f"{name}: totals differ from the ground truth on {len(diff)} (day, model) cells, e.g."
                         f" {diff[:3]}: {[(got.get(k), expected.get(k)) for k in diff[:3]]}")


# --- the first import, side by side -----------------------------------------------------------------------

def measure(args: argparse.Namespace, size_mb: float) -> dict[str, object]:
    data = prepare(args, size_mb)
    work = Path(args.work)
    expected = json.loads((data / "expected.json").read_text())
    logs = sum(1 for _ in data.rglob("*.jsonl"))
    env = dict(bench_env(), CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"),
               HOME=str(work / "nohome"))
    ccu = [ccusage_binary(), "daily", "--json", "--offline", "-z", "UTC"]
    tp = [sys.executable, "-m", "tokenpulse", "scan"]
    contenders: dict[str, tuple[list[str], dict[str, str]]] = {"ccusage": (ccu, env)}
    contenders["tokenpulse"] = (tp, dict(env, TOKENPULSE_HOME=str(work / "home")))
    if not args.no_pure:
        contenders["pure Python"] = (tp, dict(env, TOKENPULSE_HOME=str(work / "home-pure"),
                                              TOKENPULSE_PURE_PYTHON="1"))
    if args.baseline:
        app = str(Path(args.baseline).resolve() / "app")
        compileall.compile_dir(app, quiet=1)  # as bench_env does for this tree: time the code, not the compiler
        contenders["baseline"] = (tp, dict(env, TOKENPULSE_HOME=str(work / "home-baseline"), PYTHONPATH=app))
    names = list(contenders)
    first: dict[str, list[tuple[float, float, int]]] = {n: [] for n in names}
    after_append: list[tuple[float, float, int]] = []
    ccu_after: list[tuple[float, float, int]] = []
    ground = truth(data)
    for i in range(args.runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            cmd, e = contenders[name]
            if "TOKENPULSE_HOME" in e:
                shutil.rmtree(e["TOKENPULSE_HOME"], ignore_errors=True)
            wall, cpu, rss, out = run_cpu(cmd, e)
            first[name].append((wall, cpu, rss))
            if name == "ccusage" and i == 0:
                check("ccusage", ccusage_totals(out), ground)
        if i == 0:  # every tokenpulse import's store equals the ground truth (the timed stores, read after)
            for name in names[1:]:
                check(name, tokenpulse_totals(contenders[name][1]), ground)
        # an appended turn: tokenpulse reads what is new; ccusage has no store and reads everything again
        corpus.append_turn(data, seed=100 + i + int(size_mb))
        ground = truth(data)
        wall, cpu, rss, _ = run_cpu(tp, contenders["tokenpulse"][1])
        after_append.append((wall, cpu, rss))
        wall, cpu, rss, out = run_cpu(ccu, env)
        ccu_after.append((wall, cpu, rss))
        check("ccusage after the append", ccusage_totals(out), ground)
        check("tokenpulse after the append", tokenpulse_totals(contenders["tokenpulse"][1]), ground)
    med = statistics.median
    result: dict[str, object] = {"size_mb": size_mb, "bytes": expected["bytes"], "logs": logs,
                                 "calls": expected["totals"]["calls"], "runs": args.runs,
                                 "session_scale": args.session_scale}
    for name, rows in [*first.items(), ("tokenpulse after append", after_append), ("ccusage after append",
                                                                                     ccu_after)]:
        result[name] = {"wall": med(r[0] for r in rows), "cpu": med(r[1] for r in rows),
                        "rss": med(r[2] for r in rows), "raw": rows}
    return result


def report(result: dict[str, object]) -> None:
    r: dict[str, dict[str, float]] = result  # type: ignore[assignment]
    c = r["ccusage"]
    print(f"\ncorpus: {result['bytes'] / 1e6:,.0f} MB, {result['logs']:,} logs, {result['calls']:,} calls"  # type: ignore[operator]
          f" (session scale {result['session_scale']}); {result['runs']} runs each, rotated; medians;"
          " every store and ccusage's output checked against the generator's ground truth\n")
    print("| first full import | wall s | × ccusage wall | CPU s | × ccusage CPU | peak MiB | × ccusage peak |")
    print("|---|---|---|---|---|---|---|")
    for name in ("ccusage", "tokenpulse", "baseline", "pure Python"):
        if name in r:
            x = r[name]
            print(f"| {name} | {x['wall']:.2f} | {x['wall'] / c['wall']:.2f} | {x['cpu']:.2f} |"
                  f" {x['cpu'] / c['cpu']:.2f} | {x['rss']:.0f} | {x['rss'] / c['rss']:.2f} |")
    inc, full = r["tokenpulse after append"], r["ccusage after append"]
    print(f"| after appending one turn: tokenpulse | {inc['wall']:.2f} | {inc['wall'] / full['wall']:.2f} |"
          f" {inc['cpu']:.2f} | {inc['cpu'] / full['cpu']:.2f} | {inc['rss']:.0f} | — |")
    print("\nraw: " + json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=500)
    ap.add_argument("--sizes", help="several sizes in MB, e.g. 100,500,1500 (adds the linearity figure)")
    ap.add_argument("--session-scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/tp-bench")
    ap.add_argument("--corpus", help="an existing corpus (with expected.json) to copy and use")
    ap.add_argument("--baseline", help="another checkout whose import is timed too (e.g. main)")
    ap.add_argument("--no-pure", action="store_true", help="leave out the pure-Python path")
    ap.add_argument("--parse-only", action="store_true", help="time the parse alone against ccusage's whole run")
    ap.add_argument("--profile", action="store_true", help="with --parse-only: a cProfile of the compiled read")
    args = ap.parse_args()
    if args.parse_only:
        data = prepare(args, args.size_mb)
        expected = json.loads((data / "expected.json").read_text())
        env = dict(bench_env(), CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"))
        ccu = [ccusage_binary(), "daily", "--json", "--offline", "-z", "UTC"]
        parse_only(args, env, ccu, expected["bytes"], expected)
        return
    sizes = [float(s) for s in args.sizes.split(",")] if args.sizes else [args.size_mb]
    results = [measure(args, size) for size in sizes]
    for result in results:
        report(result)
    if len(results) > 1:
        per_gb = [(r["bytes"], r["tokenpulse"]["wall"] / (r["bytes"] / 1e9),  # type: ignore[index, operator]
                   r["tokenpulse"]["cpu"] / (r["bytes"] / 1e9)) for r in results]  # type: ignore[index, operator]
        small, large = min(per_gb), max(per_gb)
        print(f"\nlinearity: tokenpulse wall per GB {large[1]:.2f} s at {large[0] / 1e6:,.0f} MB vs {small[1]:.2f} s"
              f" at {small[0] / 1e6:,.0f} MB: {large[1] / small[1]:.2f} × (CPU {large[2] / small[2]:.2f} ×;"
              " target ≤ 1.2)")


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
