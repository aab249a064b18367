"""A reader that closes the pipe early (`tokenpulse sessions | head -1`) is a normal end: every command exits 0
quietly, with nothing on stderr (no "disk reported an error", no "Exception ignored" at interpreter exit).

Run for real: a child process whose stdout is a pipe, the reading end closed before or while it writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import claude_line, write_lines

SESSIONS = 1_200  # far more than a pipe buffer (64 KiB) of `sessions` output


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "NO_COLOR", "FORCE_COLOR")}
    env.update(TOKENPULSE_HOME=str(tmp_path / "data"), CLAUDE_CONFIG_DIR=str(tmp_path / "claude"),
               CODEX_HOME=str(tmp_path / "no-codex"), HOME=str(tmp_path / "nohome"), TZ="UTC")
    return env


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pipe")
    write_lines(tmp / "claude/projects/p/many.jsonl", [
        claude_line(msg_id=f"m{k}", req_id=f"r{k}", session=f"{k:08d}-1111-4222-8333-444455556666",
                    cwd=f"/home/u/project-{k % 40}", ts=f"2026-03-{1 + k % 28:02d}T10:{k % 60:02d}:00.000Z",
                    cache_read=1_000 * k) for k in range(SESSIONS)])
    done = subprocess.run([sys.executable, "-m", "tokenpulse", "scan"], env=_env(tmp), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return tmp


def _closed_before_writing(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout a pipe whose reading end is already closed: the first write meets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "tokenpulse", *args], stdout=write_end,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, text=True, timeout=120)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("args", [
    ["sessions", "--no-scan"], ["sessions"], ["daily", "--no-scan"], ["weekly", "--no-scan"],
    ["monthly", "--no-scan", "--json"], ["projects", "--no-scan"], ["sessions", "--no-scan", "--json"],
    ["status", "--no-scan"], ["scan"], ["backup", "--list"], ["--help"], ["daily", "--help"], ["--version"],
])
def test_a_closed_pipe_ends_every_command_quietly(store: Path, args: list[str]) -> None:
    code, err = _closed_before_writing(args, _env(store))
    assert (code, err) == (0, ""), err


def test_head_reading_one_line(store: Path) -> None:
    """The report from the issue, as typed: `tokenpulse sessions | head -1`."""
    head = shutil.which("head")
    assert head is not None
    env = _env(store)
    producer = subprocess.Popen([sys.executable, "-m", "tokenpulse", "sessions", "--no-scan"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None and producer.stderr is not None
    reader = subprocess.run([head, "-1"], stdin=producer.stdout, capture_output=True, timeout=120)
    producer.stdout.close()  # only `head` holds the reading end now; it exits after one line
    err = producer.stderr.read().decode()
    producer.stderr.close()
    code = producer.wait(timeout=120)
    assert reader.stdout.decode().startswith("Last call"), reader.stdout
    assert (code, err) == (0, ""), err


def test_the_output_is_complete_when_nobody_closes_the_pipe(store: Path) -> None:
    """The quiet exit is for a closed pipe only: read to the end, every session is there."""
    done = subprocess.run([sys.executable, "-m", "tokenpulse", "sessions", "--no-scan", "--json"],
                          env=_env(store), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.count('"session":') == SESSIONS
