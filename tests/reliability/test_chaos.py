"""Chaos, bounded in time: the real app watching while CLI scans run in a loop, a writer appends torn lines,
the disk fills up and empties again, another scan holds the lock for seconds, and a FIFO named like a log is
dropped into a watched folder. At the end the store holds exactly the generator's truth and no tokenpulse
process is left behind.

The full disk is a small tmpfs under the data folder (mounting needs root, as in CI); without root that phase
is left out and the test says so in its recorded figures.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from rel_helpers import quick_check, record_figure, tp, tp_cmd, tp_env
from test_soak import Writer

from tokenpulse.store.locks import ScanLock

pytestmark = pytest.mark.slow

RUN_S = float(os.environ.get("TP_CHAOS_SECONDS", "25"))
TMPFS_MB = 24


def _stored(db: Path) -> tuple[int, int]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT count(*), coalesce(sum(output), 0) FROM api_call").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return (0, 0)
    return int(row[0]), int(row[1])


def _mount_tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m,mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    return done.returncode == 0


def _fill(folder: Path) -> Path:
    """Write a ballast file until the disk says it is full."""
    ballast = folder / "ballast"
    chunk = b"\0" * (1 << 20)
    with open(ballast, "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError:
            pass
    return ballast


def _ours_running(marker: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
                env = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if b"tokenpulse" in cmd and marker.encode() in env:
                pids.append(int(entry))
    return pids


def test_the_app_survives_chaos_and_counts_exactly(tmp_path: Path) -> None:
    writer = Writer(tmp_path, seed=20261204)
    data = tmp_path / "data"
    full_disk = _mount_tmpfs(data)
    record_figure("chaos.full_disk_phase", "run" if full_disk else "not run (no tmpfs: needs root)")
    env = tp_env(tmp_path, data, tmp_path / "claude", tmp_path / "codex", TOKENPULSE_CHAOS_RUN=str(tmp_path))
    app = subprocess.Popen(tp_cmd("--no-tray", "--background"), env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    stop = threading.Event()
    failures: list[str] = []
    scans = {"runs": 0, "refused": 0}

    def write() -> None:
        while not stop.is_set():
            writer.step()
            time.sleep(0.004)

    def scan_loop() -> None:
        while not stop.is_set():
            out = tp(env, "scan", timeout=120)
            scans["runs"] += 1
            if out.returncode == 3:
                scans["refused"] += 1  # a full disk or a busy store: said in one line, nothing lost
            elif out.returncode != 0:
                failures.append(f"scan exit {out.returncode}: {out.stderr[-500:]}")
            if "Traceback" in out.stderr:
                failures.append(out.stderr[-2000:])

    def locker() -> None:
        lock = ScanLock(data / "scan.lock")
        while not stop.wait(4.0):
            if lock.acquire(wait=5.0):
                stop.wait(3.0)  # longer than the app waits for it: its changes are put aside and retried
                lock.release()

    try:
        deadline = time.monotonic() + 60
        while not (data / "tokenpulse.sqlite3").exists():
            assert app.poll() is None, app.stderr.read().decode(errors="replace") if app.stderr else ""
            assert time.monotonic() < deadline, "the app did not create its store"
            time.sleep(0.1)
        threads = [threading.Thread(target=f, daemon=True) for f in (write, scan_loop, locker)]
        for t in threads:
            t.start()
        started = time.monotonic()
        fifo = tmp_path / "claude/projects/-home-u-p0/pipe.jsonl"
        ballast = None
        while (elapsed := time.monotonic() - started) < RUN_S:
            if elapsed > RUN_S * 0.2 and not fifo.exists():
                os.mkfifo(fifo)  # nothing may block on it: not the app, not a scan
            if full_disk and RUN_S * 0.35 < elapsed < RUN_S * 0.6 and ballast is None:
                ballast = _fill(data)
            if ballast is not None and elapsed >= RUN_S * 0.6:
                ballast.unlink()
                ballast = None
            assert app.poll() is None, "the app died"
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=180)
            assert not t.is_alive(), "a chaos thread hung"
        if ballast is not None:
            ballast.unlink()
        writer.finish()
        expected = writer.expected()
        db = data / "tokenpulse.sqlite3"
        settle = time.monotonic() + 120  # the app catches up by itself: retries and the watcher, no restart
        while _stored(db) != expected and time.monotonic() < settle:
            time.sleep(0.5)
        assert _stored(db) == expected, (_stored(db), expected)
        assert quick_check(db) == [("ok",)]
        assert failures == []
        final = tp(env, "scan")
        assert final.returncode == 0, final.stderr
        assert _stored(db) == expected  # and a scan after it finds nothing more to count
        record_figure("chaos.cli_scans", scans["runs"])
        record_figure("chaos.cli_scans_refused_while_full", scans["refused"])
        record_figure("chaos.calls", expected[0])
    finally:
        stop.set()
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
                pytest.fail("the app did not quit on SIGTERM within 30 s")
        if app.stderr is not None:
            app.stderr.close()
        left = _ours_running(f"TOKENPULSE_CHAOS_RUN={tmp_path}")
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        if full_disk:
            subprocess.run(["umount", "-l", str(data)], capture_output=True)
    assert left == [], f"processes left behind: {left}"
