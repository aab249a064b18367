"""The source_health table: migration 0006 seeds it from a store's calls and files, rows round-trip, and a write
group runs its `before_commit` inside each group's transaction (what keeps health and cursors together)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers import claude_line, write_lines
from tokenpulse.store.health import HealthRow, calls_after, file_counts, last_call_id, read_health, save_health
from tokenpulse.store.tx import WriteGroup, write_tx


def test_migration_0006_seeds_health_from_a_stores_calls_and_files(tmp_path: Path) -> None:
    """A store of 0005 (here: a scanned store taken back down) gets a row per source with files: its newest
    call stands for the newest change that brought one, so a format change right after the upgrade is seen."""
    import os

    from alembic import command

    from helpers import make_workspace
    from tokenpulse.store.migrate import _config, upgrade_to_head

    calls = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", ts="2026-03-01T10:00:00Z"),
                                                                 claude_line(msg_id="m2", ts="2026-03-02T10:00:00Z")])
    none = write_lines(tmp_path / "claude/projects/p/t.jsonl", ['{"type": "summary"}'])
    os.utime(calls, ns=(1_772_500_000_000_000_000,) * 2)
    os.utime(none, ns=(1_772_600_000_000_000_000,) * 2)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
    finally:
        ws.close()
    db = ws.paths.database
    command.downgrade(_config(db), "0005_store_shape")
    upgrade_to_head(db)
    conn = sqlite3.connect(db)
    try:
        rows = read_health(conn)
    finally:
        conn.close()
    assert rows == {"claude-code": HealthRow("claude-code", last_change_ms=1_772_600_000_000,
                                             last_call_ms=1_772_445_600_000, counted_change_ms=1_772_445_600_000)}


def test_rows_round_trip_and_a_damaged_skip_list_reads_as_none(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect

    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")
    try:
        row = HealthRow("x", 1, 2, 3, 4, 5, 6, [(7, {"torn \x1b line": 2}), (8, {"a": 1, "b": 3})], 9)
        save_health(conn, [row, HealthRow("y")])
        assert read_health(conn) == {"x": row, "y": HealthRow("y")}
        assert read_health(conn, ["y"]) == {"y": HealthRow("y")} and read_health(conn, []) == {}
        with write_tx(conn):
            conn.execute("UPDATE source_health SET recent_skips = '{\"not\": \"a list\"}' WHERE source = 'x'")
        assert read_health(conn)["x"].recent_skips == []
    finally:
        conn.close()


def test_calls_after_reads_only_the_calls_added_since(tmp_path: Path) -> None:
    from helpers import make_workspace

    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", ts="2026-03-01T10:00:00Z")])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        mark = last_call_id(ws.conn)
        assert calls_after(ws.conn, mark) == ({}, mark)
        write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m2", req_id="r2",
                                                                         ts="2026-03-02T10:00:00Z")], mode="a")
        ws.scan()
        assert calls_after(ws.conn, mark) == ({"claude-code": 1_772_445_600_000}, mark + 1)
        assert file_counts(ws.conn) == {"claude-code": (1, 0)}
    finally:
        ws.close()


def test_before_commit_runs_inside_each_groups_transaction(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect

    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")
    seen: list[bool] = []
    try:
        group = WriteGroup(conn, seconds=0.0, before_commit=lambda: seen.append(conn.in_transaction))
        with group:
            for _ in range(3):
                group.step()
        assert seen == [True, True, True]  # two steps committed a group, the end the last one
        # a group inside a caller's transaction still writes before the caller commits
        with write_tx(conn), WriteGroup(conn, before_commit=lambda: seen.append(conn.in_transaction)) as inner:
            inner.step()
        assert seen[-1] is True and len(seen) == 4
        with WriteGroup(conn, before_commit=lambda: seen.append(True)):
            pass  # nothing written, no transaction: nothing to add
        assert len(seen) == 4
    finally:
        conn.close()


def test_a_failing_before_commit_rolls_the_group_back(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect

    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")

    def fail() -> None:
        raise sqlite3.OperationalError("disk full")

    try:
        with pytest.raises(sqlite3.OperationalError), WriteGroup(conn, before_commit=fail) as group:
            group.step()
            conn.execute("INSERT INTO app_state (key, value) VALUES ('k', 'v')")
        assert not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM app_state").fetchone()[0] == 0
    finally:
        conn.close()


def test_only_rows_with_a_streak_are_read_for_the_snapshot(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect

    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")
    try:
        save_health(conn, [HealthRow("a", counted_change_ms=1, quiet_since_ms=2), HealthRow("b", quiet_since_ms=2),
                           HealthRow("c", counted_change_ms=1)])
        assert list(read_health(conn, streaks_only=True)) == ["a"]
        assert read_health(conn, ["b", "c"], streaks_only=True) == {}
    finally:
        conn.close()
