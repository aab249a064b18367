"""Many small logs: the first import of N Claude Code session files of one call each (issue 18 item 8: 100,000
such files once took 28 minutes, issue 14's quadratic adoption of sub-agent chats).

Usage: python tests/benchmarks/bench_many_files.py [--files 10000,100000] [--work /tmp/tp-many] [--runs 1]

Each corpus is generated once per size (corpus.py's Claude Code session writer, one call per file). A sixth
of the files are sub-agent chats (a sidechain of one call) of the session before them: half under
`<session>/subagents/`, half beside their parent's log as Claude Code 2.0 wrote them (`agent-<id>.jsonl`, read
in the folder's listing order, often before their parent). Every new chat runs the store's adoption step
(`store.chat_figures._adopt_children`, issue 14's quadratic one), and every sub-agent chat must end linked to
its parent. The timed run is a whole `tokenpulse scan` process on a fresh store (start-up and imports count),
as bench_scan.py times it.

Checked, not assumed, on every store: calls stored == files == the generator's calls, the daily totals per
(day, model) equal the generator's ground truth, and every sub-agent chat is linked to its parent. Prints
seconds, ms per file, and the linearity figure: ms per file at the largest size over the smallest (1.0 is
linear; a quadratic step shows as the size ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus
from bench_env import bench_env, run_cpu
from bench_scan import check, tokenpulse_totals, truth

SUB_AGENT_EVERY = 5  # one main session in five has a sub-agent chat: 1/6 of the files


def generate(out: Path, files: int, seed: int = 7) -> dict[str, object]:
    """`files` one-call Claude Code logs under out/claude/projects, with out/expected.json (the ground truth)."""
    c = corpus.Corpus(out, seed, date(2026, 1, 1), 60, size_bytes=0)
    rng = c.rng
    projects = corpus._claude_projects(rng, 40)
    version = ("2.1.114", True, True)
    made = subs = sessions = 0
    while made < files:
        project = projects[sessions % len(projects)]
        sid = corpus._uuid4(rng)
        path = out / "claude" / "projects" / corpus._slug(project.cwd) / f"{sid}.jsonl"
        start = c.session_start(sessions, 0.11)
        main = corpus.ClaudeSession(c, path, project, sid, version,
                                    corpus._weighted(rng, corpus.CLAUDE_MAIN_MODELS), start, 1)
        main.user_prompt()
        main.api_call(final=True)
        main.file.close()
        made += 1
        sessions += 1
        if sessions % SUB_AGENT_EVERY == 0 and made < files:
            agent_id = f"a{rng.getrandbits(64):016x}"
            # both layouts: under the session's folder (walked after its log) and beside it (Claude Code 2.0's,
            # in the folder's listing order: often before its parent)
            folder = path.with_suffix("") / "subagents" if subs % 2 else path.parent
            sub = corpus.ClaudeSession(c, folder / f"agent-{agent_id}.jsonl", project, sid, version,
                                       corpus._weighted(rng, corpus.CLAUDE_SUB_MODELS), main.now + 1_000, 1,
                                       agent_id=agent_id)
            sub.run_agent(c.pool.words(rng, 200))
            made += 1
            subs += 1
    report = c.ledger.report(c.bytes["claude"], c.files)
    report.update(files=files, sub_agents=subs)
    (out / "expected.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def prepare(work: Path, files: int) -> Path:
    data = work / f"corpus-{files}"
    expected = data / "expected.json"
    if expected.exists() and json.loads(expected.read_text()).get("files") == files:
        return data
    shutil.rmtree(data, ignore_errors=True)
    t = time.perf_counter()
    generate(data, files)
    print(f"generated {files:,} files in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return data


def stored(home: Path) -> tuple[int, int, int]:
    """(calls, sub-agent chats, sub-agent chats linked to their parent) in the store under `home`."""
    conn = sqlite3.connect(f"file:{home / 'tokenpulse.sqlite3'}?mode=ro", uri=True)
    try:
        calls = conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
        subs, linked = conn.execute(
            "SELECT count(*), count(t.parent_id) FROM chat_session s JOIN chat_stats t ON t.session_id = s.id"
            " WHERE s.parent_key IS NOT NULL").fetchone()
        return int(calls), int(subs), int(linked)
    finally:
        conn.close()


def measure(work: Path, files: int, runs: int) -> dict[str, float]:
    data = prepare(work, files)
    expected = json.loads((data / "expected.json").read_text())
    home = work / "home"
    env = dict(bench_env(), CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(work / "no-codex"),
               HOME=str(work / "nohome"), TOKENPULSE_HOME=str(home))
    walls, cpus, rsss, loads = [], [], [], []
    for _ in range(runs):
        shutil.rmtree(home, ignore_errors=True)
        before = os.getloadavg()[0]
        wall, cpu, rss, _ = run_cpu([sys.executable, "-m", "tokenpulse", "scan"], env)
        walls.append(wall)
        cpus.append(cpu)
        rsss.append(rss)
        loads.append((before + os.getloadavg()[0]) / 2)
        calls, subs, linked = stored(home)
        if calls != files or calls != expected["totals"]["calls"]:
            raise SystemExit(f"{files:,} files: {calls:,} calls stored, {expected['totals']['calls']:,} made")
        if subs != expected["sub_agents"] or linked != subs:
            raise SystemExit(f"{files:,} files: {subs:,} sub-agent chats ({linked:,} linked to their parent),"
                             f" {expected['sub_agents']:,} made")
        check(f"{files:,} files", tokenpulse_totals(env), truth(data))
    best = min(range(runs), key=lambda i: walls[i])
    return {"files": files, "subs": expected["sub_agents"], "mb": expected["bytes"] / 1e6, "wall": walls[best],
            "cpu": cpus[best], "rss": rsss[best], "load": loads[best]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", default="10000,100000", help="comma-separated corpus sizes, in files")
    parser.add_argument("--work", default="/tmp/tp-many")
    parser.add_argument("--runs", type=int, default=1, help="timed imports per size (the fastest is shown)")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = [measure(work, int(n), args.runs) for n in args.files.split(",")]
    print("\n| Files (sub-agent chats) | MB | First import, wall | CPU | ms per file | Peak RSS | Load (1 min) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['files']:,} ({r['subs']:,}) | {r['mb']:,.0f} | {r['wall']:.1f} s | {r['cpu']:.1f} s"
              f" | {1000 * r['wall'] / r['files']:.2f} | {r['rss']:.0f} MiB | {r['load']:.1f} |")
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = (large["wall"] / large["files"]) / (small["wall"] / small["files"])
        cpu_ratio = (large["cpu"] / large["files"]) / (small["cpu"] / small["files"])
        print(f"\nms per file at {large['files']:,} over {small['files']:,}: {ratio:.2f} (wall),"
              f" {cpu_ratio:.2f} (CPU); 1.0 is linear, {large['files'] / small['files']:.0f} would be quadratic")
    print("every store: calls == files == the generator's, daily totals per (day, model) == the ground truth,"
          " every sub-agent chat linked to its parent")


if __name__ == "__main__":
    main()
