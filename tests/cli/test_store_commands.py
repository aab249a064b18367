"""`tokenpulse backup`, `restore` and `forget`: what they write, what they refuse, and what later scans do."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, run_cli, totals, write_lines

P = "claude/projects/-home-u-proj"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    write_lines(tmp_path / P / "a.jsonl", [claude_line(msg_id="a1", req_id="a1", output=10, cwd="/home/u/alpha",
                                                       session="sa")])
    write_lines(tmp_path / P / "b.jsonl", [claude_line(msg_id="b1", req_id="b1", output=20, cwd="/home/u/beta",
                                                       session="sb"),
                                           claude_line(msg_id="b2", req_id="b2", output=30, cwd="/home/u/beta/sub",
                                                       session="sb2")])
    return data


def _outputs(capsys: pytest.CaptureFixture[str]) -> int:
    code, out, err = run_cli(capsys, "daily", "--json", "--no-scan")
    assert code == 0, err
    return sum(r["output_tokens"] for r in json.loads(out))


def test_scan_makes_the_daily_backup_once(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    backups = sorted((env / "backups").glob("tokenpulse-*.sqlite3"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    try:
        assert totals(conn)["output"] == 60
    finally:
        conn.close()
    assert run_cli(capsys, "scan")[0] == 0
    assert len(list((env / "backups").glob("tokenpulse-*.sqlite3"))) == 1  # one a day


def test_backup_list_and_restore_latest(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    code, out, _ = run_cli(capsys, "backup", "--list")
    assert code == 0 and "tokenpulse-" in out and "MB" in out
    db = env / "tokenpulse.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM api_call")  # an accident the backup can undo
    conn.commit()
    conn.close()
    assert _outputs(capsys) == 0
    code, out, err = run_cli(capsys, "restore")
    assert code == 0, err
    assert "before is kept at" in out
    assert _outputs(capsys) == 60
    assert list(env.glob("tokenpulse.sqlite3.before-restore-*"))  # the store as it was, kept


def test_restore_of_an_unknown_day_is_a_usage_error(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    code, _, err = run_cli(capsys, "restore", "1999-01-01")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "backup --list" in err


def test_backup_now_writes_another_copy(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    code, out, err = run_cli(capsys, "backup")
    assert code == 0, err
    made = Path(out.split("backup written: ", 1)[1].splitlines()[0])
    assert made.is_file() and made.stat().st_mode & 0o077 == 0


def test_forget_needs_confirmation_without_a_terminal(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    code, _, err = run_cli(capsys, "forget", "--all")
    assert code == 2 and "--yes" in err
    assert (env / "tokenpulse.sqlite3").exists()


def test_forget_project_removes_it_everywhere_and_keeps_it_out(env: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    code, out, err = run_cli(capsys, "forget", "--project", "/home/u/beta", "--yes")
    assert code == 0, err
    assert "forgot 2 call(s)" in out and "and 2 in its backups" in out  # one backup holding both
    assert _outputs(capsys) == 10
    db = env / "tokenpulse.sqlite3"
    for store in [db, *sorted((env / "backups").glob("tokenpulse-*.sqlite3"))]:
        assert b"/home/u/beta" not in store.read_bytes(), store  # not even in free pages
    # the sums over every chat per quarter-hour hold the calls left only (the summary's week, the footers)
    conn = sqlite3.connect(db)
    left = conn.execute("SELECT sum(calls) FROM waste_rollup").fetchone()[0]
    assert conn.execute("SELECT sum(calls) FROM waste_quarter").fetchone()[0] == left
    assert left == conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
    conn.close()
    # the logs still hold the project: rewriting them (as a resume does) must not bring it back
    write_lines(tmp_path / P / "b.jsonl", [claude_line(msg_id="b1", req_id="b1", output=20, cwd="/home/u/beta",
                                                       session="sb"),
                                           claude_line(msg_id="b3", req_id="b3", output=40, cwd="/home/u/beta",
                                                       session="sb")])
    code, out, _ = run_cli(capsys, "scan")
    assert code == 0 and "calls left out: 2" in out
    assert _outputs(capsys) == 10
    code, out, _ = run_cli(capsys, "projects", "--json", "--no-scan")
    assert [r["project"] for r in json.loads(out)] == ["/home/u/alpha"]


def test_forget_all_deletes_the_store_backups_and_settings(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scan")[0] == 0
    (env / "settings.toml").write_text("timezone = 'UTC'\n")
    code, out, err = run_cli(capsys, "forget", "--all", "--yes")
    assert code == 0, err
    assert not (env / "tokenpulse.sqlite3").exists()
    assert not (env / "settings.toml").exists()
    assert not list(env.glob("backups/*"))


def test_forget_all_leaves_nothing_the_app_wrote(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The status facts (they name projects), the app's log and its marks went unnoticed before: the data
    folder held project names after "delete everything"."""
    from tokenpulse.app_log import log_dir
    from tokenpulse.insights.status_view import FACTS_NAME

    assert run_cli(capsys, "scan")[0] == 0
    (env / FACTS_NAME).write_text('{"chats": [{"project": "/home/u/secret"}]}')
    log_dir(env).mkdir()
    for name in ("tokenpulse.log", "tokenpulse.log.1"):
        (log_dir(env) / name).write_text("/home/u/secret\n")
    (env / "no-tray-hint-shown").touch()
    code, _out, err = run_cli(capsys, "forget", "--all", "--yes")
    assert code == 0, err
    assert not env.exists() or sorted(p.name for p in env.rglob("*")) == []


def test_forget_refuses_while_a_scan_runs(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tokenpulse.store.locks import ScanLock

    assert run_cli(capsys, "scan")[0] == 0
    lock = ScanLock(env / "scan.lock")
    assert lock.acquire()
    try:
        code, _, err = run_cli(capsys, "forget", "--project", "/home/u/beta", "--yes")
    finally:
        lock.release()
    assert code == 3 and "scan is running" in err
    assert _outputs(capsys) == 60
