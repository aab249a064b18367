"""`tokenpulse status` latency when nothing changed, beside the bare interpreter start, as whole processes.

Usage: python tests/benchmarks/bench_status.py [--size-mb 100] [--runs 21] [--work /tmp/tp-bench-status]
A corpus is generated and scanned once (the store is then current); one turn stamped now is appended and
scanned, so a live chat exists. Then, in alternating order, each of these runs `--runs` times:
  python -c pass                       the floor: interpreter start-up alone
  tokenpulse status --json             the real thing: incremental scan (nothing new) + live chats + reminders
  tokenpulse status --json --no-scan   the same without looking at the logs
Then the tray app is started (offscreen, `--no-tray --background`) on the same store, and once it has saved
its status facts:
  tokenpulse status --json (app running)   answered from the facts the app keeps current
Prints medians and ratios (for BENCHMARKS.md); the target is 100 ms when nothing changed.
"""

from __future__ import annotations

import argparse
import json
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

TARGET_S = 0.100


def _wall_s(cmd: list[str], env: dict[str, str]) -> float:
    return run(cmd, env)[0]


def live_turn(data: Path, session: str = "bench-live") -> None:
    """Write a short chat stamped now in a session of its own, so status has a live chat to describe."""
    now_ms = time.time_ns() // 1_000_000
    folder = data / "claude" / "projects" / "-home-u-bench-live"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for k in range(10):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((now_ms - (10 - k) * 20_000) / 1000)) + ".000Z"
        lines.append(json.dumps({
            "type": "assistant", "sessionId": session, "cwd": "/home/u/bench-live", "timestamp": ts,
            "requestId": f"req_{session}_{k}", "isSidechain": False,
            "message": {"id": f"msg_{session}_{k}", "model": "claude-sonnet-4-5-20250929", "usage": {
                "input_tokens": 10, "cache_creation_input_tokens": 500, "cache_read_input_tokens": 20_000 * (k + 1),
                "output_tokens": 300}}}))
    (folder / f"{session}.jsonl").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=100)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--work", default="/tmp/tp-bench-status")
    args = ap.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    data = work / "corpus"
    expected = corpus.generate(data, args.size_mb, seed=42)
    live_turn(data)
    env = bench_env()
    env.update(CLAUDE_CONFIG_DIR=str(data / "claude"), CODEX_HOME=str(data / "codex"),
               TOKENPULSE_HOME=str(work / "home"))
    tp = [sys.executable, "-m", "tokenpulse"]
    subprocess.run([*tp, "scan"], env=env, check=True, stdout=subprocess.DEVNULL)  # the store is now current
    out = subprocess.run([*tp, "status", "--json"], env=env, check=True, capture_output=True, text=True).stdout
    live = json.loads(out)["live_chats"]
    commands = {"python -c pass": [sys.executable, "-c", "pass"], "status --json": [*tp, "status", "--json"],
                "status --json --no-scan": [*tp, "status", "--json", "--no-scan"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for i in range(args.runs):
        for name in names if i % 2 == 0 else names[::-1]:
            times[name].append(_wall_s(commands[name], env))
    app = subprocess.Popen([*tp, "--no-tray", "--background"], env=dict(env, QT_QPA_PLATFORM="offscreen"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        facts = work / "home" / "status.json"
        deadline = time.monotonic() + 60
        while not facts.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not facts.exists():
            raise SystemExit("the app did not save its status facts within 60 s")
        with_app = "status --json (app running)"
        times[with_app] = []
        for i in range(args.runs):
            for name in (["python -c pass", with_app] if i % 2 == 0 else [with_app, "python -c pass"]):
                cmd = commands["status --json"] if name == with_app else commands[name]
                (times[name] if name == with_app else times.setdefault("python -c pass (beside the app)", [])
                 ).append(_wall_s(cmd, env))
        live_with_app = json.loads(subprocess.run([*tp, "status", "--json"], env=env, check=True,
                                                  capture_output=True, text=True).stdout)["live_chats"]
        if [c["session_id"] for c in live_with_app] != [c["session_id"] for c in live]:
            raise SystemExit(f"the app's answer differs: {live_with_app} vs {live}")
    finally:
        app.terminate()
        app.wait(30)
    med = {name: statistics.median(t) for name, t in times.items()}
    floor = med["python -c pass"]
    print(f"corpus: {expected['bytes'] / 1e6:,.0f} MB in {expected['files']:,} files (+1 live chat:"
          f" {len(live)} listed); {args.runs} runs each, alternating; medians\n")
    print("| command | median ms | × interpreter start | vs 100 ms target |\n|---|---|---|---|")
    for name, value in med.items():
        print(f"| `{name}` | {value * 1000:,.0f} | {value / floor:.1f} | {value / TARGET_S:.2f} |")
    print("\nraw: " + json.dumps({k: [round(x, 4) for x in v] for k, v in times.items()}))


if __name__ == "__main__":
    main()
