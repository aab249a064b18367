"""Concurrency: reports while another process scans, scans started at once, and no "database is locked".

The scan lock (`store/locks.py`) serializes scanners across processes; WAL lets readers run during a scan;
every connection waits up to 30 s for a writer (busy timeout) instead of failing.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rel_helpers import call_count, daily_json, record_figure, tp, tp_cmd, tp_env

from helpers import claude_line, cli_env, make_workspace, run_cli, totals, write_lines

READ_COMMANDS = (("daily", "--json", "--tz", "UTC", "--no-scan"), ("sessions", "--json", "--no-scan"),
                 ("projects", "--json", "--no-scan"), ("status", "--json", "--no-scan"),
                 ("daily", "--json", "--tz", "UTC"))  # the last one scans too: it waits for the scan lock


@pytest.fixture(scope="module")
def clean(corpus30: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], int]:
    tmp = tmp_path_factory.mktemp("clean")
    env = tp_env(tmp, tmp / "data", corpus30 / "claude", corpus30 / "codex")
    out = tp(env, "scan")
    assert out.returncode == 0, out.stderr
    return daily_json(env), call_count(tmp / "data" / "tokenpulse.sqlite3")


def _clean_stderr(err: str) -> None:
    assert "locked" not in err.lower(), err
    assert "Traceback" not in err, err


MAX_ROUNDS = 12


@pytest.mark.slow
def test_reports_while_another_process_scans(corpus30: Path, clean: tuple[list[dict], int],
                                             tmp_path: Path) -> None:
    overlapped = 0
    round_no = 0
    # at least two imports; more while too few reads overlapped one (a first import of 30 MB takes a fraction
    # of a second since issue 16, so the readers' start-up alone can miss most of it)
    while round_no < 2 or (overlapped < 3 and round_no < MAX_ROUNDS):
        round_no += 1
        env = tp_env(tmp_path, tmp_path / f"data{round_no}", corpus30 / "claude", corpus30 / "codex")
        scanner = subprocess.Popen(tp_cmd("scan", "--json"), env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        failures: list[str] = []

        def reader(offset: int) -> None:
            nonlocal overlapped
            i = offset
            while scanner.poll() is None:
                cmd = READ_COMMANDS[i % len(READ_COMMANDS)]
                i += 1
                out = subprocess.run(tp_cmd(*cmd), env=env, capture_output=True, text=True, timeout=120)
                if out.returncode != 0 or "locked" in out.stderr.lower() or "Traceback" in out.stderr:
                    failures.append(f"{cmd}: exit {out.returncode}: {out.stderr[-500:]}")
                else:
                    json.loads(out.stdout)
                    overlapped += scanner.poll() is None

        threads = [threading.Thread(target=reader, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        out, err = scanner.communicate(timeout=300)
        for t in threads:
            t.join(timeout=300)
        assert scanner.returncode == 0, err
        _clean_stderr(err)
        assert failures == []
        assert daily_json(env) == clean[0]
    record_figure("concurrency.reader_runs_during_scans", overlapped)
    record_figure("concurrency.import_rounds", round_no)
    assert overlapped >= 3


@pytest.mark.slow
def test_scans_started_at_once_are_serialized(corpus30: Path, clean: tuple[list[dict], int],
                                              tmp_path: Path) -> None:
    """Three scans of a new store at the same instant: one creates it, all succeed, no call counted twice."""
    for round_no in range(3):
        env = tp_env(tmp_path, tmp_path / f"data{round_no}", corpus30 / "claude", corpus30 / "codex")
        gate = threading.Barrier(3)
        results: list[subprocess.CompletedProcess[str]] = []

        def run() -> None:
            gate.wait()
            results.append(subprocess.run(tp_cmd("scan", "--json"), env=env, capture_output=True, text=True,
                                          timeout=300))

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert len(results) == 3
        for r in results:
            assert r.returncode == 0, r.stderr
            _clean_stderr(r.stderr)
        new = [json.loads(r.stdout)["calls_new"] for r in results]
        assert sum(new) == clean[1], new  # each call is new exactly once over the three scans
        assert daily_json(env) == clean[0]
        assert not list((tmp_path / f"data{round_no}").glob("*.new*"))


def test_in_process_reader_and_two_scanners(tmp_path: Path) -> None:
    """The app's shape: one thread scans while another reads; a second scanner waits for the lock."""
    from tokenpulse.store import queries

    for i in range(40):
        write_lines(tmp_path / f"claude/projects/p{i % 4}/s{i}.jsonl",
                    [claude_line(msg_id=f"m{i}-{k}", req_id=f"r{i}-{k}", output=k + 1, session=f"s{i}")
                     for k in range(50)])
    scanners = [make_workspace(tmp_path, claude=tmp_path / "claude") for _ in range(2)]
    reader = make_workspace(tmp_path, claude=tmp_path / "claude")
    errors: list[BaseException] = []
    summaries = []

    def scan(ws) -> None:  # type: ignore[no-untyped-def]
        try:
            summaries.append(ws.scan())
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=scan, args=(ws,)) for ws in scanners]
        for t in threads:
            t.start()
        reads = 0
        while any(t.is_alive() for t in threads):
            queries.totals(reader.conn)
            queries.by_period(reader.conn, "day", __import__("zoneinfo").ZoneInfo("UTC"))
            reads += 1
        for t in threads:
            t.join()
        assert errors == []
        assert sum(s.calls_new for s in summaries) == 40 * 50
        t = totals(reader.conn)
        assert (t["calls"], t["output"]) == (2000, 40 * sum(range(1, 51)))
    finally:
        for ws in (*scanners, reader):
            ws.close()


def test_writer_holding_the_store_briefly_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Another process holds a write transaction for 1.5 s: the report waits (busy timeout) and succeeds."""
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    code, _, err = run_cli(capsys, "scan")
    assert code == 0, err
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m2", req_id="r2", output=8)], mode="a")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None);"
         " c.execute('BEGIN IMMEDIATE'); c.execute('INSERT INTO model_price VALUES (\"x\", \"d\", NULL)');"
         " print('held', flush=True); time.sleep(1.5); c.execute('ROLLBACK')", str(data / "tokenpulse.sqlite3")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    code, out, err = run_cli(capsys, "daily", "--json", "--tz", "UTC")
    waited = time.monotonic() - started
    holder.wait(timeout=30)
    holder.stdout.close()
    assert code == 0, err
    _clean_stderr(err)
    assert sum(r["output_tokens"] for r in json.loads(out)) == 15
    assert waited >= 0.5  # it really had to wait


def test_long_read_does_not_block_a_scan(tmp_path: Path) -> None:
    """A report reading for a long time (an open read transaction) never stops the scanner (WAL)."""
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=1)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        reader = sqlite3.connect(ws.paths.database, isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM api_call").fetchone()[0] == 1
        write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m2", req_id="r2", output=2)],
                    mode="a")
        started = time.monotonic()
        assert ws.scan().calls_new == 1
        assert time.monotonic() - started < 5
        assert reader.execute("SELECT count(*) FROM api_call").fetchone()[0] == 1  # its snapshot is stable
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM api_call").fetchone()[0] == 2
        reader.close()
    finally:
        ws.close()


def test_lock_held_past_the_busy_timeout_is_one_plain_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import tokenpulse.store.db as db

    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    assert run_cli(capsys, "scan")[0] == 0
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m2", req_id="r2", output=8)], mode="a")
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(data / "tokenpulse.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, _, err = run_cli(capsys, "scan")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "locked" in err
