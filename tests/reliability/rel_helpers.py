"""Helpers of the reliability tests: CLI subprocesses, a generated corpus, store checks, measured figures."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def tp_env(tmp: Path, data: Path, claude: Path, codex: Path, **extra: str) -> dict[str, str]:
    """The environment of a `tokenpulse` subprocess that sees only these folders."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLAUDE_", "CODEX_", "TOKENPULSE_", "XDG_CONFIG_HOME", "GEMINI_", "QWEN_",
                                "OPENCODE_", "COPILOT_"))}
    env.update({"TOKENPULSE_HOME": str(data), "CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex),
                "HOME": str(tmp / "nohome"), "TZ": "UTC", "PYTHONPATH": str(REPO / "app"),
                "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


def tp_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tokenpulse", *args]


def tp(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(tp_cmd(*args), env=env, capture_output=True, text=True, timeout=timeout)


def daily_json(env: dict[str, str], *, scan: bool = False) -> list[dict[str, Any]]:
    args = ["daily", "--json", "--tz", "UTC"] + ([] if scan else ["--no-scan"])
    out = tp(env, *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def call_count(db: Path) -> int:
    """Calls in a store, read without the app's code (0 when there is no usable store yet)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def quick_check(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("PRAGMA quick_check").fetchall()
    finally:
        conn.close()


def derived_mismatches(conn: sqlite3.Connection) -> list[str]:
    """Rows of derived tables that disagree with the calls they summarise (empty when all agree).

    Checks the tables that exist: usage_rollup (per chat and model: calls and token sums) and chat_stats
    (calls per chat). Tables added later are not checked here.
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    problems: list[str] = []
    if "usage_rollup" in tables:
        rolled = {(r[0], r[1]): r[2:] for r in conn.execute(
            "SELECT session_id, model, sum(calls), sum(input), sum(cache_write), sum(cache_read), sum(output)"
            " FROM usage_rollup GROUP BY session_id, model")}
        calls = {(r[0], r[1]): r[2:] for r in conn.execute(
            "SELECT session_id, model, count(*), sum(input), sum(cache_write_5m + cache_write_1h),"
            " sum(cache_read), sum(output) FROM api_call GROUP BY session_id, model")}
        for key in sorted(set(rolled) | set(calls), key=repr):
            if rolled.get(key) != calls.get(key):
                problems.append(f"usage_rollup {key}: {rolled.get(key)} != calls {calls.get(key)}")
    if "chat_stats" in tables:
        stats = dict(conn.execute("SELECT session_id, calls FROM chat_stats"))
        per_chat = dict(conn.execute("SELECT session_id, count(*) FROM api_call GROUP BY session_id"))
        for sid, n in per_chat.items():
            if sid in stats and stats[sid] != n:
                problems.append(f"chat_stats {sid}: {stats[sid]} calls != {n}")
    return problems


def record_figure(name: str, value: object) -> None:
    """A measured figure for RELIABILITY.md: printed, and appended to $TP_RELIABILITY_FIGURES when set."""
    line = json.dumps({"figure": name, "value": value, "at": time.strftime("%Y-%m-%dT%H:%M:%S")})
    print(f"\n[reliability] {name} = {value}")
    target = os.environ.get("TP_RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def rss_mib() -> float:
    """Resident memory of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN), to make real full or read-only disks."""
    if os.geteuid() != 0 or os.environ.get("TP_NO_MOUNT"):
        return False
    probe = Path(f"/tmp/tp-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], capture_output=True)
        return ok
    except OSError:
        return False
    finally:
        try:
            probe.rmdir()
        except OSError:
            pass


class Tmpfs:
    """A small tmpfs mounted at `path` (root only): `full()` shrinks it to what is used, `readonly()` remounts."""

    def __init__(self, path: Path, size_kib: int) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._run("mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(path))

    def resize(self, size_kib: int) -> None:
        self._run("mount", "-o", f"remount,size={size_kib}k", str(self.path))

    def readonly(self, on: bool = True) -> None:
        self._run("mount", "-o", "remount," + ("ro" if on else "rw"), str(self.path))

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)

    @staticmethod
    def _run(*cmd: str) -> None:
        out = subprocess.run(list(cmd), capture_output=True, text=True)
        if out.returncode != 0:
            raise OSError(f"{' '.join(cmd)}: {out.stderr.strip()}")
