""""Is the app running?" is decided in one place, by the kernel's lock, for the CLI and for a second app alike:
a lock file left by a crash and a reboot (its process id now another program's) never counts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, hold_app_lock, run_cli, stop_process, write_lines
from tokenpulse.platform.app_lock import app_pid, app_running


def _facts(data: Path) -> None:
    from tokenpulse.insights.status_view import write_facts

    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    write_facts(data, {"now_ms": now_ms, "chats": [], "spend": {"day_usd": 9.0, "week_usd": 9.0, "month_usd": 9.0},
                       "due": [{"rule": "budget", "key": "k", "title": "Daily budget 100 % used", "body": "…"}]})


def test_a_lock_file_left_by_a_crash_and_a_reboot_does_not_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(cwd="/home/u/old")])
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    assert run_cli(capsys, "scan")[0] == 0
    _facts(data)  # what the dead app last wrote
    # after the reboot its process id belongs to some other live program
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (data / "app.lock").write_text(f"{other.pid}\ntokenpulse\nhost\n")
        assert app_pid(data / "app.lock") == other.pid
        assert not app_running(data / "app.lock")
        code, out, err = run_cli(capsys, "status", "--json")  # answered from the store, not the dead app's facts
        assert code == 0, err
        status = json.loads(out)
        assert status["due"] == [] and status["spend"]["day_usd"] != 9.0
        code, out, err = run_cli(capsys, "forget", "--project", "/home/u/old", "--yes")
        assert code == 0, err
        assert "forgot 1 call(s)" in out
        from tokenpulse.platform.app_lock import AppLock

        lock = AppLock(data / "app.lock")
        assert lock.acquire(wait=0)  # and a new app starts: both decided the same way
        lock.release()
    finally:
        other.kill()
        other.wait()


def test_a_running_app_is_seen_by_the_cli_and_by_a_second_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from tokenpulse.platform.app_lock import AppLock

    data = cli_env(monkeypatch, tmp_path)
    data.mkdir(parents=True)
    app = hold_app_lock(data / "app.lock")
    try:
        assert app_running(data / "app.lock") and app_pid(data / "app.lock") == app.pid
        assert not AppLock(data / "app.lock").acquire(wait=0.05)
        _facts(data)
        code, out, _ = run_cli(capsys, "status", "--json")
        assert code == 0 and json.loads(out)["due"][0]["title"] == "Daily budget 100 % used"
        code, _, err = run_cli(capsys, "forget", "--project", "/home/u/x", "--yes")
        assert code == 3 and "the tokenpulse app is running" in err
        os.kill(app.pid, signal.SIGKILL)  # a crash: the kernel lets go of the lock at once
        app.wait()
        assert not app_running(data / "app.lock")
        lock = AppLock(data / "app.lock")
        assert lock.acquire(wait=0)
        lock.release()
    finally:
        stop_process(app)


def test_the_app_lock_held_by_this_process_is_not_another_app(tmp_path: Path) -> None:
    from tokenpulse.platform.app_lock import AppLock

    lock = AppLock(tmp_path / "app.lock")
    assert lock.acquire(wait=0)
    try:
        assert not app_running(tmp_path / "app.lock")  # an in-process app asking about itself
        assert not AppLock(tmp_path / "app.lock").acquire(wait=0)  # but a second app in it is refused
    finally:
        lock.release()
    assert app_pid(tmp_path / "app.lock") is None  # no process id is left behind
    assert (tmp_path / "app.lock").stat().st_mode & 0o077 == 0


def test_the_lock_file_is_not_followed_through_a_symlink(tmp_path: Path) -> None:
    from tokenpulse.platform.app_lock import AppLock

    target = tmp_path / "elsewhere"
    target.write_text("precious\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "app.lock").symlink_to(target)
    with pytest.raises(OSError):
        AppLock(tmp_path / "data" / "app.lock").acquire(wait=0)
    assert target.read_text() == "precious\n"
    assert not app_running(tmp_path / "data" / "app.lock")
