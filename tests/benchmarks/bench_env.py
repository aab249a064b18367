"""Running benchmarked processes: in an installed app's environment (whatever the shell says), timed whole."""

from __future__ import annotations

import compileall
import os
import subprocess
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def bench_env() -> dict[str, str]:
    """os.environ without the agents' and tokenpulse's own variables, and with bytecode caching on.

    An installed wheel ships compiled modules; a checkout run with PYTHONDONTWRITEBYTECODE=1 (set on some
    machines) would instead recompile every module on every start and time the compiler, not tokenpulse.
    """
    compileall.compile_dir(str(APP), quiet=1)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLAUDE", "CODEX", "TOKENPULSE")) and k != "PYTHONDONTWRITEBYTECODE"}
    return env


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


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, bytes]:
    """(wall seconds, peak RSS in MiB, stdout) of one whole process."""
    wall, _, rss, out = run_cpu(cmd, env)
    return wall, rss, out
