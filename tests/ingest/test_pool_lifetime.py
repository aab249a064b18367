"""Parse workers die with the scan that started them (issue 18 item 5), and the pool is chosen by core count."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import REPO
from tokenpulse.ingest.pool import MIN_CORES, scan_workers

sys.path.insert(0, str(REPO / "tests" / "benchmarks"))
import corpus


def _children(pid: int) -> dict[int, str]:
    """{pid: start time} of every live process whose parent is `pid` (zombies are dead)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry)] = fields[19]
    return found


def _alive(pid: int, started: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19] == started and fields[0] != "Z"  # the same process (not a reused pid), not a zombie


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_kill_9_of_a_scan_leaves_no_worker_behind(tmp_path: Path) -> None:
    data = tmp_path / "corpus"
    corpus.generate(data, 80, seed=3)  # above the 64 MB that makes a first import start a pool
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "CODEX_", "TOKENPULSE_"))}
    env.update({"TOKENPULSE_HOME": str(tmp_path / "data"), "CLAUDE_CONFIG_DIR": str(data / "claude"),
                "CODEX_HOME": str(data / "codex"), "TOKENPULSE_SCAN_WORKERS": "2", "HOME": str(tmp_path),
                "PYTHONPATH": str(REPO / "app")})
    scan = subprocess.Popen([sys.executable, "-m", "tokenpulse", "scan"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: dict[int, str] = {}
        while time.monotonic() < deadline and scan.poll() is None:
            workers = _children(scan.pid)
            if len(workers) >= 3:  # two workers and multiprocessing's resource tracker
                break
            time.sleep(0.02)
        assert len(workers) >= 3, f"the scan never started its pool (children: {workers}, exit {scan.poll()})"
        grandchildren = {pid: start for w in workers for pid, start in _children(w).items()}
        os.kill(scan.pid, signal.SIGKILL)
        scan.wait()
        everyone = {**workers, **grandchildren}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p, s) for p, s in everyone.items()):
            time.sleep(0.1)
        left = sorted(p for p, s in everyone.items() if _alive(p, s))
        assert left == [], f"processes outlived the killed scan: {left}"
    finally:
        if scan.poll() is None:
            os.killpg(scan.pid, signal.SIGKILL)
        for pid, start in list(locals().get("everyone", {}).items()):
            if _alive(pid, start):
                os.kill(pid, signal.SIGKILL)


def test_the_pool_is_chosen_by_core_count() -> None:
    assert scan_workers({}, cores=1) == 1
    assert scan_workers({}, cores=2) == 1  # measured: one process is as fast on two cores (BENCHMARKS.md)
    assert scan_workers({}, cores=MIN_CORES) == 2
    assert scan_workers({}, cores=16) == 2
    assert scan_workers({"TOKENPULSE_SCAN_WORKERS": "3"}, cores=2) == 3
    assert scan_workers({"TOKENPULSE_SCAN_WORKERS": "x"}, cores=2) == 1
