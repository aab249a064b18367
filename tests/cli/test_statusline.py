"""`tokenpulse statusline` (issue 11 §2): Claude Code's status-line JSON in, one line out, the readings recorded
(only when they changed); garbage gives a neutral line and exit 0; a busy store journals the reading for the
next writer; `install` / `uninstall` wrap the user's own status line and restore it byte for byte."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, claude_line, cli_env, hold_app_lock, run_cli, stop_process, write_lines
from tokenpulse.cli import statusline
from tokenpulse.platform import claude_statusline as setup
from tokenpulse.store import limits_journal

NOW_S = int(time.time())


def status_input(*, limits: bool = True, five: float = 62.0, seven: float = 31.5, iso: bool = False,
                 session: str = "sess-1") -> dict[str, Any]:
    """Claude Code's documented status-line object."""
    data: dict[str, Any] = {
        "hook_event_name": "Status", "session_id": session, "transcript_path": f"/home/u/.claude/projects/p/{session}.jsonl",
        "cwd": "/home/u/p", "model": {"id": "claude-opus-4-6", "display_name": "Opus 4.6"},
        "workspace": {"current_dir": "/home/u/p", "project_dir": "/home/u/p"}, "version": "2.1.90",
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 1.2, "total_duration_ms": 45_000, "total_api_duration_ms": 2_300,
                 "total_lines_added": 156, "total_lines_removed": 23},
        "context_window": {"total_input_tokens": 15_234, "total_output_tokens": 4_521, "context_window_size": 200_000,
                           "used_percentage": 42, "remaining_percentage": 58,
                           "current_usage": {"input_tokens": 8_500, "output_tokens": 1_200,
                                             "cache_creation_input_tokens": 5_000, "cache_read_input_tokens": 70_500}},
        "exceeds_200k_tokens": False,
    }
    if limits:
        week = (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW_S + 300_000)) if iso else NOW_S + 300_000)
        data["rate_limits"] = {"five_hour": {"used_percentage": five, "resets_at": NOW_S + 6_000},
                               "seven_day": {"used_percentage": seven, "resets_at": week}}
    return data


def say(data_dir: Path, payload: bytes | dict[str, Any], wrapped: str | None = None) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    out = io.StringIO()
    assert statusline.run(str(data_dir), wrapped, io.BytesIO(raw), out) == 0
    return out.getvalue()


def readings(data_dir: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data_dir / "tokenpulse.sqlite3")
    try:
        return conn.execute("SELECT source, window_minutes, used_percent, via, seen_ms FROM limit_snapshot"
                            " ORDER BY window_minutes, observed_ms").fetchall()
    finally:
        conn.close()


def _a_moment_today() -> int:
    """A minute ago, or the day's first second when the (UTC) day is younger: the chat must be today's when the
    status line runs. A minute before midnight said "today 0 out"; a few seconds before it, wait for the new day."""
    left = 86_400 - time.time() % 86_400
    if left < 5:
        time.sleep(left + 0.1)
    now = int(time.time())
    return max(now - 60, now - now % 86_400)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store holding today's chat `sess-1` (scanned), the CLI pointed at it; returns the data folder."""
    claude = tmp_path / "claude"
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(_a_moment_today()))
    write_lines(claude / "projects/p/sess-1.jsonl",
                [claude_line(msg_id=f"m{k}", req_id=f"r{k}", output=1_000, cache_read=20_000 * k, ts=ts)
                 for k in range(1, 4)])
    data = cli_env(monkeypatch, tmp_path, claude=claude)
    code, _, err = run_cli(capsys, "scan")
    assert code == 0, err
    return data


def test_the_line_says_model_context_waste_today_and_both_windows(store: Path) -> None:
    line = say(store, status_input()).strip()
    assert line.startswith("Opus 4.6 · ctx 84k of 200k (42%) · waste 50k · today 3k out · 5h 62% ↻1h")
    assert line.endswith(" · 7d 31.5%")
    assert [r[:4] for r in readings(store)] == [("claude-code", 300, 62.0, "statusline"),
                                                ("claude-code", 10_080, 31.5, "statusline")]


def test_limits_json_shows_the_piped_reading(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    say(store, status_input(iso=True))
    code, out, _ = run_cli(capsys, "limits", "--json", "--no-scan")
    got = json.loads(out)
    assert code == 0 and [(o["source"], o["window"], o["used_percent"], o["current"]) for o in got] == [
        ("claude-code", "5h", 62.0, True), ("claude-code", "7d", 31.5, True)]
    assert got[0]["resets_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW_S + 6_000))
    assert set(got[0]) >= {"source", "window", "window_minutes", "used_percent", "resets_at", "observed_at", "plan"}
    code, out, _ = run_cli(capsys, "status", "--json", "--no-scan")
    assert [o["window"] for o in json.loads(out)["limits"]] == ["5h", "7d"]
    code, out, _ = run_cli(capsys, "status", "--no-scan")
    assert "plan: claude-code 5h 62% (resets " in out
    code, out, _ = run_cli(capsys, "limits", "--no-scan")
    assert code == 0 and out.splitlines()[0] == "Claude Code"
    assert out.splitlines()[1].startswith("  5 h: 62 % · resets in 1 h 3") and "as of just now" in out


def test_without_rate_limits_nothing_is_invented(store: Path) -> None:
    line = say(store, status_input(limits=False)).strip()
    assert line == "Opus 4.6 · ctx 84k of 200k (42%) · waste 50k · today 3k out"
    assert readings(store) == []
    conn = sqlite3.connect(store / "tokenpulse.sqlite3")
    try:  # the chat's context window is learned all the same
        assert conn.execute("SELECT tokens, model FROM context_window WHERE session_key = 'sess-1'").fetchone() == (
            200_000, "claude-opus-4-6")
    finally:
        conn.close()


def test_an_unchanged_reading_is_not_written_again(store: Path) -> None:
    say(store, status_input())
    first = readings(store)
    say(store, status_input())
    assert readings(store) == first  # not even seen_ms moved: nothing was written
    say(store, status_input(five=63.0))
    assert [r[2] for r in readings(store)] == [62.0, 63.0, 31.5]


@pytest.mark.parametrize("payload", [b"", b"not json", b"[1, 2]", b'{"model": 5}', b"\xff\xfe\x00",
                                     b"[" * 100_000 + b"]" * 100_000, b'{"a": "' + b"x" * (2 << 20) + b'"}'])
def test_garbage_prints_a_short_neutral_line_and_exits_0(store: Path, payload: bytes) -> None:
    assert say(store, payload) == "tokenpulse\n"
    assert readings(store) == []


def test_text_from_the_input_cannot_drive_the_terminal_and_bad_numbers_are_dropped(store: Path) -> None:
    hostile = status_input()
    hostile["model"] = {"id": "x", "display_name": "\x1b]0;pwned\x07Opus\x1b[31m\u202e"}
    hostile["rate_limits"] = {"five_hour": {"used_percentage": "lots", "resets_at": NOW_S},
                              "seven_day": {"used_percentage": float("nan"), "resets_at": "soon"}}
    line = say(store, json.dumps(hostile).encode())
    assert line.startswith("]0;pwnedOpus[31m · ctx 84k")  # escape, bell and bidi controls dropped
    assert not any(ch in line for ch in "\x1b\x07\u202e") and "5h" not in line and "7d" not in line
    assert readings(store) == []


def test_a_busy_store_journals_the_reading_and_the_next_writer_folds_it(store: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    holder = sqlite3.connect(store / "tokenpulse.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store
    try:
        started = time.monotonic()
        line = say(store, status_input(five=70.0))
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "5h 70%" in line and waited < 5  # it answered (the store's own wait is 50 ms)
    journal = limits_journal.path_in(store).read_bytes()
    assert b'"used_percent":70.0' in journal
    assert readings(store) == []
    code, _, err = run_cli(capsys, "scan")  # the next writer
    assert code == 0, err
    assert [r[2] for r in readings(store)] == [70.0, 31.5]
    assert limits_journal.path_in(store).read_bytes() == b""


def _fake_app(data: Path) -> subprocess.Popen[str]:
    """Another process holding the tray app's lock, as the running app does."""
    return hold_app_lock(data / "app.lock")


def test_while_the_app_runs_it_journals_and_answers_from_the_apps_facts(store: Path) -> None:
    from tokenpulse.insights.status_view import write_facts

    now_ms = int(time.time() * 1000)
    write_facts(store, {"now_ms": now_ms, "due": [],
                        "chats": [{"session_id": 1, "source": "claude-code", "session_key": "sess-1",
                                   "waste_tokens": 1_234_567, "last_call_ms": now_ms, "context_tokens": 1}],
                        "spend": {"day_output_tokens": 45_000}, "limits": []})
    app = _fake_app(store)
    try:
        line = say(store, status_input(five=80.0))
    finally:
        stop_process(app)
    assert "waste 1.2M · today 45k out · 5h 80%" in line
    assert readings(store) == []  # the app writes the store, not the status line
    assert b'"used_percent":80.0' in limits_journal.path_in(store).read_bytes()


def test_the_whole_process_never_shows_a_traceback(store: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO / "app"))
    for payload in (b"{", json.dumps(status_input()).encode()):
        run = subprocess.run([sys.executable, "-m", "tokenpulse", "statusline"], input=payload, env=env,
                             capture_output=True, timeout=60, check=False)
        assert run.returncode == 0 and run.stderr == b"" and run.stdout.count(b"\n") == 1


# --- install / uninstall ------------------------------------------------------------------------------------

THEIRS = {"type": "command", "command": "printf 'theirs: '; cat | head -c 9; echo", "padding": 2}


def _settings_file(tmp_path: Path, status_line: dict[str, Any] | None) -> Path:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    data: dict[str, Any] = {"model": "opus", "permissions": {"allow": ["Bash(ls:*)"]}}
    if status_line is not None:
        data["statusLine"] = status_line
    # the user's own formatting (4 spaces, no newline at the end) must come back as it was
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return path


def test_install_then_uninstall_leaves_the_file_byte_identical_and_theirs_runs_first(
        tmp_path: Path, store: Path) -> None:
    path = _settings_file(tmp_path, THEIRS)
    before = path.read_bytes()
    base = [sys.executable, "-m", "tokenpulse", "--data-dir", str(store)]
    assert "still runs first" in setup.install(path, base)
    line = json.loads(path.read_text())["statusLine"]
    assert line["padding"] == 2 and setup.is_ours(line["command"])
    assert setup.wrapped_of(line["command"]) == THEIRS["command"]
    assert "already" in setup.install(path, base)  # twice is once
    env = dict(os.environ, PYTHONPATH=str(REPO / "app"))
    shown = subprocess.run(["sh", "-c", line["command"]], input=json.dumps(status_input()).encode(), env=env,
                           capture_output=True, timeout=60, check=True).stdout.decode().splitlines()
    assert shown[0] == 'theirs: {"hook_ev'  # their output first, fed the same input
    assert shown[1].startswith("Opus 4.6 · ctx 84k of 200k")
    setup.uninstall(path)
    assert path.read_bytes() == before
    assert not (path.parent / "settings.json.tokenpulse-backup").exists()


def test_install_without_a_settings_file_and_uninstall_removes_it_again(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    setup.install(path, ["/opt/tokenpulse/tokenpulse"])
    assert json.loads(path.read_text())["statusLine"] == {"type": "command", "padding": 0,
                                                          "command": "/opt/tokenpulse/tokenpulse statusline"}
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    setup.uninstall(path)
    assert not path.exists()


def test_uninstall_after_other_changes_keeps_them_and_restores_theirs(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, THEIRS)
    setup.install(path, ["tokenpulse"])
    data = json.loads(path.read_text())
    data["model"] = "sonnet"  # the user changed something else meanwhile
    path.write_text(json.dumps(data), encoding="utf-8")
    setup.uninstall(path)
    after = json.loads(path.read_text())
    assert after["statusLine"] == THEIRS and after["model"] == "sonnet"


def test_a_broken_settings_file_is_never_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "claude-config" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"statusLine": ', encoding="utf-8")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(path.parent))
    code, _, err = run_cli(capsys, "statusline", "install")
    assert code == 1 and "is not valid JSON" in err
    assert path.read_text(encoding="utf-8") == '{"statusLine": '
    code, out, _ = run_cli(capsys, "statusline", "uninstall")
    assert code == 1


def test_uninstall_leaves_someone_elses_status_line_alone(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, THEIRS)
    before = path.read_bytes()
    assert "nothing changed" in setup.uninstall(path)
    assert path.read_bytes() == before
