"""A FIFO (or any file that is not a regular one) named like a log never blocks a scan (issue 18 item 1).

Opening a FIFO for reading blocks until a writer comes; the ingest thread used to do it while holding the
scan lock, so nothing more was recorded, `tokenpulse scan` waited for ever and Quit took 13 s. Every reader
(lines, whole documents, OpenCode's database and its write-ahead files) now opens without blocking or
following, checks what it opened, and skips anything else with its reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from worker_helpers import line as _line

from helpers import REPO, claude_line, write_lines
from tokenpulse.config.paths import resolve
from tokenpulse.workspace import Workspace

REASON = "not a regular file (FIFO, socket or device)"


@contextmanager
def fifos(*paths: Path) -> Iterator[list[Path]]:
    """FIFOs at these paths; afterwards each is opened for writing once, so a reader stuck on it (old code)
    is released and the test fails instead of hanging the suite."""
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    try:
        yield list(paths)
    finally:
        for path in paths:
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass  # no reader waiting on it: nothing to release


def _within(seconds: float, fn) -> object:  # type: ignore[no-untyped-def]
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return result[0]


def _workspace(tmp_path: Path) -> Workspace:
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "GEMINI_DATA_DIR": str(tmp_path / "gemini"), "OPENCODE_DATA_DIR": str(tmp_path / "opencode")}
    return Workspace(resolve(tmp_path / "data"), env=env, home=tmp_path / "nohome")


def test_changed_paths_that_are_fifos_are_skipped_with_their_reason(tmp_path: Path) -> None:
    """The watcher's path (scan_paths) for every kind of file a source reads."""
    real = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    ws = _workspace(tmp_path)
    try:
        with fifos(tmp_path / "claude/projects/p/pipe.jsonl",  # lines
                   tmp_path / "codex/sessions/2026/03/01/rollout-pipe.jsonl",
                   tmp_path / "gemini/h/chats/session-pipe.json",  # a whole document
                   tmp_path / "opencode/storage/message/ses_1/msg_pipe.json",
                   tmp_path / "opencode/opencode.db") as paths:  # a database SQLite would open
            summary = _within(10, lambda: ws.scanner.scan_paths([*paths, real]))
        assert summary.skipped[REASON] == len(paths), summary.skipped  # type: ignore[attr-defined]
        assert summary.calls_new == 1  # type: ignore[attr-defined]
        assert any(REASON in p for p in summary.problems)  # type: ignore[attr-defined]
    finally:
        ws.close()


def test_a_fifo_beside_an_opencode_database_is_skipped(tmp_path: Path) -> None:
    """SQLite opens `<db>-wal` itself: a FIFO there would block it as surely as the database."""
    import sqlite3

    db = tmp_path / "opencode/opencode.db"
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).close()
    ws = _workspace(tmp_path)
    try:
        with fifos(Path(f"{db}-wal")):
            summary = _within(10, lambda: ws.scanner.scan_paths([db]))
        assert summary.skipped[REASON] == 1, summary.skipped  # type: ignore[attr-defined]
    finally:
        ws.close()


def test_a_linked_log_inside_the_root_is_still_read(tmp_path: Path) -> None:
    """Opening without following the last link resolves a link once: one inside the root stays readable."""
    real = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    alias = tmp_path / "claude/projects/q/alias.jsonl"
    alias.parent.mkdir(parents=True)
    alias.symlink_to(real)
    ws = _workspace(tmp_path)
    try:
        summary = ws.scanner.scan_paths([alias])
        assert summary.calls_new == 1 and not summary.skipped
    finally:
        ws.close()


def test_the_running_worker_is_not_stuck_by_a_fifo(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(1, 10)])
    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 10)
    with fifos(tmp_path / "claude/projects/p/a-pipe.jsonl"):  # sorted before s.jsonl in a batch
        write_lines(log, [_line(2, 32)], mode="a")
        snap = rec.wait(lambda s: s.today.output_tokens == 42, timeout=5.0)
        assert any(REASON in p for p in snap.problems), snap.problems
        began = time.monotonic()
        worker.stop()
        assert not worker.alive and time.monotonic() - began < 5


def test_the_cli_scan_is_not_stuck_by_a_fifo(tmp_path: Path) -> None:
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "CODEX_", "TOKENPULSE_"))}
    env.update({"TOKENPULSE_HOME": str(tmp_path / "data"), "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"),
                "CODEX_HOME": str(tmp_path / "codex"), "HOME": str(tmp_path), "PYTHONPATH": str(REPO / "app")})
    with fifos(tmp_path / "claude/projects/p/a-pipe.jsonl", tmp_path / "codex/sessions/rollout-x.jsonl"):
        try:
            out = subprocess.run([sys.executable, "-m", "tokenpulse", "scan", "--json"], env=env, timeout=60,
                                 capture_output=True, text=True, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail("tokenpulse scan blocked on a FIFO")
    assert out.returncode == 0, out.stderr
    assert '"calls_new": 1' in out.stdout
