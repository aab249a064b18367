"""Goose, Hermes and Kilo CLI, whose logs are SQLite databases: golden totals on databases built from the
team's SQL fixtures, and the rules (read-only, re-read on change, bad rows counted)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from agent_helpers import agent_workspace, fixture, pick, rows, scan_agent, sqlite_from_script

KEYS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning")


def _goose(tmp_path: Path) -> Path:
    sqlite_from_script(fixture("goose", "sessions.sql"), tmp_path / "goose" / "data" / "sessions" / "sessions.db")
    return tmp_path / "goose"


def _hermes(tmp_path: Path) -> Path:
    sqlite_from_script(fixture("hermes", "state.sql"), tmp_path / "hermes" / "state.db")
    return tmp_path / "hermes"


def _kilo(tmp_path: Path) -> Path:
    sqlite_from_script(fixture("kilo", "kilo.sql"), tmp_path / "kilo" / "kilo.db")
    return tmp_path / "kilo"


def test_goose_fixture(tmp_path: Path) -> None:
    root = _goose(tmp_path)
    summary, got = scan_agent(tmp_path / "ws", "goose", goose=root)
    # By hand: accumulated totals 52000/3100 and 10000/2000, and an older row's per-session 8000/1000; Goose
    # folds cache tokens into input, so there are none apart
    assert pick(got, *KEYS) == {"calls": 3, "input": 70000, "cache_write": 0, "cache_read": 0, "output": 6100,
                                "reasoning": 0}
    assert summary.usage_records == 4 and summary.lines_skipped == 0, summary.skipped
    ws = agent_workspace(tmp_path / "again", ["goose"], goose=root)
    try:
        ws.scan()
        got_rows = rows(ws, "goose")
    finally:
        ws.close()
    assert [(r[0], r[1], r[3], r[4]) for r in got_rows] == [
        ("20260111_1", "/home/u/proj-a", "claude-sonnet-4-5", 1768118400000),  # `2026-01-11 08:00:00` is UTC
        ("20260111_2", "/home/u/proj-b", "gpt-5", 1768162500000),
        ("20260112_1", "/home/u/proj-a", "gpt-5", 1768201200000),
    ]


def test_goose_session_totals_grow_and_the_database_is_never_written(tmp_path: Path) -> None:
    root = _goose(tmp_path)
    db = root / "data" / "sessions" / "sessions.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    ws = agent_workspace(tmp_path / "ws", ["goose"], goose=root)
    try:
        ws.scan()
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before
        conn = sqlite3.connect(db)
        conn.execute("UPDATE sessions SET accumulated_input_tokens = 60000, accumulated_output_tokens = 3500"
                     " WHERE id = '20260111_1'")
        conn.commit()
        conn.close()
        second = ws.scan()
        got = ws.conn.execute("SELECT count(*), sum(input), sum(output) FROM api_call").fetchone()
    finally:
        ws.close()
    assert (second.calls_new, second.calls_updated) == (0, 1)
    assert got == (3, 60000 + 8000 + 10000, 3500 + 1000 + 2000)


def test_goose_bad_rows_are_counted(tmp_path: Path) -> None:
    root = _goose(tmp_path)
    conn = sqlite3.connect(root / "data" / "sessions" / "sessions.db")
    conn.executemany("INSERT INTO sessions (id, working_dir, created_at, model_config_json, accumulated_input_tokens,"
                     " accumulated_output_tokens) VALUES (?, '/p', ?, '{\"model_name\": 5}', ?, ?)",
                     [("bad-1", "2026-01-12 07:00:00", "many", 5), ("bad-2", "someday", 5, 5),
                      ("bad-3", "2026-01-12 07:00:00", 10**13, 5)])
    conn.commit()
    conn.close()
    summary, got = scan_agent(tmp_path / "ws", "goose", goose=root)
    assert got["calls"] == 3
    assert summary.skipped == {"invalid token counts": 2, "missing or invalid timestamp": 1}


def test_a_bad_row_is_reported_once_though_the_table_is_read_again(tmp_path: Path) -> None:
    root = _goose(tmp_path)
    db = root / "data" / "sessions" / "sessions.db"
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO sessions (id, working_dir, created_at, accumulated_input_tokens) VALUES"
                 " ('bad', '/p', '2026-01-12 07:00:00', -1)")
    conn.commit()
    ws = agent_workspace(tmp_path / "ws", ["goose"], goose=root)
    try:
        first = ws.scan()
        conn.execute("UPDATE sessions SET accumulated_output_tokens = 4000 WHERE id = '20260111_1'")
        conn.commit()
        second = ws.scan()
        conn.execute("INSERT INTO sessions (id, working_dir, created_at, accumulated_input_tokens) VALUES"
                     " ('bad-2', '/p', 'never', 5)")
        conn.commit()
        third = ws.scan()
    finally:
        conn.close()
        ws.close()
    assert first.skipped == {"invalid token counts": 1}
    assert second.calls_updated == 1 and second.skipped == {}  # re-read whole, the known bad row not again
    assert third.skipped == {"missing or invalid timestamp": 1}


def test_not_a_goose_database(tmp_path: Path) -> None:
    db = tmp_path / "g" / "data" / "sessions" / "sessions.db"
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
    summary, got = scan_agent(tmp_path / "ws", "goose", goose=tmp_path / "g")
    assert got["calls"] == 0 and summary.skipped == {"unreadable database": 1}


def test_hermes_fixture(tmp_path: Path) -> None:
    root = _hermes(tmp_path)
    summary, got = scan_agent(tmp_path / "ws", "hermes", hermes=root)
    assert pick(got, *KEYS) == {"calls": 3, "input": 1200 + 9000 + 300, "cache_write": 18000,
                                "cache_read": 250000 + 40000 + 12000, "output": 3000 + 1500 + 200,
                                "reasoning": 600 + 50}  # reasoning is part of output, not added to it
    assert summary.usage_records == 3 and summary.lines_skipped == 0, summary.skipped
    ws = agent_workspace(tmp_path / "again", ["hermes"], hermes=root)
    try:
        ws.scan()
        got_rows = rows(ws, "hermes")
    finally:
        ws.close()
    assert [(r[0], r[2], r[3], r[4]) for r in got_rows] == [
        ("20260113_090000_a1b2c3", None, "claude-sonnet-4-5", 1768294800250),
        ("20260113_120000_d4e5f6", None, "gpt-5", 1768305600000),
        ("20260114_080000_aaaaaa", "20260113_120000_d4e5f6", "gpt-5", 1768377600500),  # a compressed continuation
    ]


def test_hermes_bad_rows_are_counted(tmp_path: Path) -> None:
    root = _hermes(tmp_path)
    conn = sqlite3.connect(root / "state.db")
    conn.executemany("INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)"
                     " VALUES (?, 'cli', 'gpt-5', ?, ?, 5)", [("b1", 1768377600.0, -3), ("b2", 99.0, 5)])
    conn.commit()
    conn.close()
    summary, got = scan_agent(tmp_path / "ws", "hermes", hermes=root)
    assert got["calls"] == 3
    assert summary.skipped == {"invalid token counts": 1, "missing or invalid timestamp": 1}


def test_kilo_fixture(tmp_path: Path) -> None:
    root = _kilo(tmp_path)
    summary, got = scan_agent(tmp_path / "ws", "kilo", kilo=root)
    # OpenCode's reading: input uncached, reasoning billed as output on top; the step-finish part is never added
    assert pick(got, *KEYS) == {"calls": 3, "input": 2140, "cache_write": 920, "cache_read": 12010,
                                "output": 55 + 300 + 120, "reasoning": 5}
    assert summary.lines_skipped == 0, summary.skipped
    ws = agent_workspace(tmp_path / "again", ["kilo"], kilo=root)
    try:
        ws.scan()
        got_rows = rows(ws, "kilo")
        keys = {r[0] for r in ws.conn.execute("SELECT DISTINCT source FROM api_call")}
    finally:
        ws.close()
    assert {(r[0], r[1]) for r in got_rows} == {("ses_k1", "/home/u/proj-k")}
    assert keys == {"kilo"}


def test_kilo_and_opencode_keep_their_own_records(tmp_path: Path) -> None:
    """The same database under both agents' folders is two agents' calls, never merged into one."""
    root = _kilo(tmp_path)
    oc = tmp_path / "oc"
    oc.mkdir()
    (oc / "opencode.db").write_bytes((root / "kilo.db").read_bytes())
    ws = agent_workspace(tmp_path / "ws", ["kilo", "opencode"], kilo=root, opencode=oc)
    try:
        ws.scan()
        got = dict(ws.conn.execute("SELECT source, count(*) FROM api_call GROUP BY source").fetchall())
    finally:
        ws.close()
    assert got == {"kilo": 3, "opencode": 3}


@pytest.mark.parametrize("name", ["goose", "hermes", "kilo"])
def test_roots(name: str) -> None:
    from tokenpulse.sources.registry import select

    source = select([name])[0]
    home = Path("/h")
    defaults = {"goose": [home / ".local/share/goose/sessions", home / "Library/Application Support/goose/sessions",
                          home / ".local/share/Block/goose/sessions"],
                "hermes": [home / ".hermes"], "kilo": [home / ".local/share/kilo"]}
    assert source.roots({}, home) == defaults[name]
    custom = {"goose": [Path("/r/data/sessions")], "hermes": [Path("/r")], "kilo": [Path("/r")]}
    assert source.roots({source.env_var: "/r"}, home) == custom[name]
