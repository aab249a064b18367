"""The command line: report shapes, time zones, errors in one line, scan summary, unknown cost, version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import (
    claude_line,
    cli_env,
    cli_json,
    codex_file,
    codex_tc,
    codex_turn,
    run_cli,
    usage,
    write_lines,
)

P = "claude/projects/-home-u-proj"
ROW_KEYS = {"date", "source", "model", "calls", "input_tokens", "cache_write_tokens", "cache_read_tokens",
            "output_tokens", "reasoning_tokens", "cost_usd", "waste_tokens", "waste_cost_usd", "waste_share"}
NOT_COUNTS = {"date", "source", "model", "cost_usd", "waste_cost_usd", "waste_share"}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    return tmp_path


def _late_call(tmp_path: Path, ts: str = "2026-03-01T23:30:00.000Z", model: str = "claude-sonnet-4-5-20250929",
               msg: str = "m1") -> None:
    write_lines(tmp_path / P / f"{msg}.jsonl", [claude_line(msg_id=msg, req_id=f"r-{msg}", output=10, ts=ts,
                                                            model=model)])


def test_daily_json_row_shape(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _late_call(env)
    write_lines(codex_file(env / "codex"), [codex_turn("2026-03-01T10:00:00Z"),
                                            codex_tc("2026-03-01T10:00:01Z", usage(100, 60, 10, 4), usage(100, 60, 10, 4))])
    rows = cli_json(capsys, "daily", "--tz", "UTC")
    assert len(rows) == 2
    for row in rows:
        assert set(row) == ROW_KEYS
        for k in ROW_KEYS - NOT_COUNTS:
            assert type(row[k]) is int
    codex = next(r for r in rows if r["source"] == "codex")
    assert (codex["input_tokens"], codex["cache_read_tokens"], codex["output_tokens"], codex["reasoning_tokens"]) \
        == (40, 60, 10, 4)


@pytest.mark.parametrize("tz,day", [("UTC", "2026-03-01"), ("Europe/Paris", "2026-03-02"),
                                    ("America/New_York", "2026-03-01"), ("Asia/Tokyo", "2026-03-02")])
def test_tz_changes_day_bucketing(env: Path, capsys: pytest.CaptureFixture[str], tz: str, day: str) -> None:
    _late_call(env)
    rows = cli_json(capsys, "daily", "--tz", tz)
    assert [r["date"] for r in rows] == [day]


def test_tz_across_dst_change(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Paris switches to CEST on 2026-03-29 at 01:00 UTC: 22:30 UTC that evening is 00:30 on the 30th
    _late_call(env, "2026-03-28T23:30:00.000Z", msg="a")  # CET: 00:30 on the 29th
    _late_call(env, "2026-03-29T22:30:00.000Z", msg="b")  # CEST: 00:30 on the 30th
    _late_call(env, "2026-03-29T21:30:00.000Z", msg="c")  # CEST: 23:30 on the 29th
    rows = cli_json(capsys, "daily", "--tz", "Europe/Paris")
    assert {r["date"]: r["calls"] for r in rows} == {"2026-03-29": 2, "2026-03-30": 1}


def test_since_until_use_local_days(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _late_call(env)
    assert cli_json(capsys, "daily", "--tz", "Europe/Paris", "--since", "2026-03-02", "--until", "20260302")
    assert cli_json(capsys, "daily", "--tz", "Europe/Paris", "--until", "2026-03-01") == []
    assert cli_json(capsys, "daily", "--tz", "UTC", "--until", "2026-03-01")


def test_weekly_and_monthly_follow_the_zone(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _late_call(env, "2026-03-01T23:30:00.000Z", msg="a")  # Sunday in UTC, Monday 2 March in Paris
    _late_call(env, "2026-03-31T23:30:00.000Z", msg="b")  # March in UTC, April in Paris
    weeks_utc = cli_json(capsys, "weekly", "--tz", "UTC")
    weeks_paris = cli_json(capsys, "weekly", "--tz", "Europe/Paris")
    assert "2026-02-23" in {r["week"] for r in weeks_utc}
    assert "2026-03-02" in {r["week"] for r in weeks_paris}
    months_utc = {r["month"]: r["calls"] for r in cli_json(capsys, "monthly", "--tz", "UTC")}
    months_paris = {r["month"]: r["calls"] for r in cli_json(capsys, "monthly", "--tz", "Europe/Paris")}
    assert months_utc == {"2026-03": 2}
    assert months_paris == {"2026-03": 1, "2026-04": 1}


@pytest.mark.parametrize("command", ["daily", "weekly", "monthly", "sessions", "projects"])
def test_reports_run_as_text_and_json(env: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    _late_call(env)
    code, out, err = run_cli(capsys, command, "--tz", "UTC")
    assert code == 0, err
    assert "10" in out
    rows = cli_json(capsys, command, "--tz", "UTC")
    assert isinstance(rows, list) and len(rows) == 1
    assert rows[0]["output_tokens"] == 10


@pytest.mark.parametrize("command", ["daily", "sessions", "projects"])
def test_reports_on_empty_store(env: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    assert cli_json(capsys, command) == []
    code, out, _ = run_cli(capsys, command)
    assert code == 0 and "No usage" in out


@pytest.mark.parametrize("args", [
    ("daily", "--tz", "Mars/Olympus_Mons"),
    ("daily", "--tz", "../../etc/passwd"),
    ("daily", "--since", "yesterday"),
    ("daily", "--since", "2026-02-30"),
    ("daily", "--until", "2026-13-01"),
    ("daily", "--since", "2026-03-05", "--until", "2026-03-01"),
    ("daily", "--source", "cursor"),
    ("scan", "--source", "claude-code,nope"),
])
def test_bad_arguments_exit_2_with_one_line(env: Path, capsys: pytest.CaptureFixture[str],
                                            args: tuple[str, ...]) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("tokenpulse: ")
    assert "Traceback" not in err


def test_unusable_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("I am a file")
    cli_env(monkeypatch, tmp_path, data=blocker)
    code, out, err = run_cli(capsys, "daily")
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    # a file where a parent folder should be
    cli_env(monkeypatch, tmp_path, data=blocker / "data")
    code, out, err = run_cli(capsys, "scan")
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err


def test_unusable_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    data = cli_env(monkeypatch, tmp_path)
    data.mkdir(mode=0o700)
    (data / "settings.toml").write_text("timezone = [unclosed")
    code, _, err = run_cli(capsys, "daily")
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err


def test_damaged_store_file_is_moved_aside_and_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    data.mkdir(mode=0o700)
    junk = b"this is not a database" * 100
    (data / "tokenpulse.sqlite3").write_bytes(junk)
    code, out, err = run_cli(capsys, "daily", "--json", "--tz", "UTC")
    assert code == 0, err
    assert "Traceback" not in err
    assert "damaged" in err and "moved aside" in err
    kept = list(data.glob("tokenpulse.sqlite3.corrupt-*"))
    assert [k.read_bytes() for k in kept if not k.name.endswith(("-wal", "-shm"))] == [junk]  # kept, untouched
    assert [r["output_tokens"] for r in json.loads(out)] == [7]  # rebuilt from the logs that still exist
    code, _, err = run_cli(capsys, "daily", "--json")
    assert code == 0 and "damaged" not in err  # told once


def test_scan_prints_summary(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_lines(env / P / "s.jsonl", [claude_line(output=3), claude_line(output=9), "{torn"])
    code, out, err = run_cli(capsys, "scan")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("files: 1 seen, 1 read")
    assert lines[1].startswith("calls: 1 new")
    assert lines[2].startswith("duplicates dropped: 1")
    assert "lines skipped: 1" in out
    assert "torn or malformed JSON line" in out
    code, out, _ = run_cli(capsys, "scan", "--json")
    data = json.loads(out)
    assert data["files_unchanged"] == 1 and data["bytes_read"] == 0


def test_unknown_model_cost_is_null(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _late_call(env, "2026-03-01T10:00:00.000Z", model="acme-private-model-9", msg="a")
    _late_call(env, "2026-03-01T11:00:00.000Z", model="claude-sonnet-4-5-20250929", msg="b")
    write_lines(codex_file(env / "codex"), [codex_tc("2026-03-01T10:00:01Z", usage(100, 0, 10), usage(100, 0, 10))])
    rows = cli_json(capsys, "daily", "--tz", "UTC")
    by_model = {r["model"]: r["cost_usd"] for r in rows}
    assert by_model["acme-private-model-9"] is None
    assert by_model["unknown"] is None  # codex call without any model
    assert isinstance(by_model["claude-sonnet-4-5-20250929"], float)
    assert by_model["claude-sonnet-4-5-20250929"] > 0
    code, out, _ = run_cli(capsys, "daily", "--tz", "UTC")
    assert "unknown" in out and "acme-private-model-9" in out
    # a session of only unknown models has a null cost too, never 0
    sessions = cli_json(capsys, "sessions", "--tz", "UTC", "--source", "codex")
    assert [s["cost_usd"] for s in sessions] == [None]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from tokenpulse import __version__

    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"tokenpulse {__version__}"


def test_progress_bar_follows_current_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ProgressBar()` must write to the stderr of the moment, not the one of import time (which may be closed)."""
    import io
    import sys

    from tokenpulse.cli.progress import ProgressBar

    replacement = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replacement)
    assert ProgressBar().stream is replacement


def test_desktop_install_and_uninstall_for_this_user(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("HOME", str(tmp_path))
    fake = tmp_path / "bin" / "tokenpulse"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    from tokenpulse.cli.main import main

    assert main(["desktop", "install"]) == 0
    launcher = tmp_path / "share" / "applications" / "io.github.tokenpulse.TokenPulse.desktop"
    # this installation's own script (beside this Python), not another `tokenpulse` that happens to be on PATH
    import sys

    own = Path(sys.executable).parent / "tokenpulse"
    assert launcher.exists() and f"TryExec={own}\n" in launcher.read_text() and str(fake) not in launcher.read_text()
    assert main(["desktop", "uninstall"]) == 0
    assert not launcher.exists()
    assert "removed" in capsys.readouterr().out


def test_reports_without_a_scan_only_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Only the writer writes: a report with --no-scan leaves the store's bytes as they were, even when its
    derived tables are stale (here: figures computed with another recap allowance), and it needs no scan lock.
    Every command used to refresh derived tables on opening, outside the scan lock."""
    from tokenpulse.config import settings as settings_io
    from tokenpulse.config.paths import resolve
    from tokenpulse.store.locks import ScanLock

    claude = tmp_path / "claude"
    write_lines(claude / "projects/p/s.jsonl", [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=5 + i,
                                                            cache_read=20_000 * i) for i in range(1, 6)])
    data = cli_env(monkeypatch, tmp_path, claude=claude)
    assert run_cli(capsys, "scan")[0] == 0
    paths = resolve(data)
    settings_io.save(settings_io.Settings(reminders=settings_io.Reminders(recap_allowance=1)), paths.settings_file)
    files = [paths.database, paths.database.with_name(paths.database.name + "-wal")]
    before = [f.read_bytes() if f.exists() else None for f in files]
    lock = ScanLock(paths.scan_lock)
    assert lock.acquire()  # a scan in another process holds the lock: reports must not wait for it
    try:
        for report in ("daily", "sessions", "projects", "monthly"):
            code, _out, err = run_cli(capsys, report, "--no-scan", "--json")
            assert code == 0, err
    finally:
        lock.release()
    assert [f.read_bytes() if f.exists() else None for f in files] == before
