"""Rollups equal the raw calls: after a first scan, after incremental scans, after an upgrade and a zone change."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chart_history import START, claude_chat, codex_chat, write_history
from chart_stores import open_workspace, scan

from tokenpulse.store import rollups

SUMS = "count(*), sum(input), sum(cache_write_5m + cache_write_1h), sum(cache_read), sum(output), sum(reasoning)"
ROLLED = "sum(calls), sum(input), sum(cache_write), sum(cache_read), sum(output), sum(reasoning)"


def _raw(conn: sqlite3.Connection) -> dict[tuple[int, int, str], tuple]:  # type: ignore[type-arg]
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in conn.execute(
        f"SELECT session_id, ts_ms / 900000 * 900000 AS b, model, {SUMS}, sum(cost_usd) FROM api_call"
        " GROUP BY session_id, b, model")}


def _rolled(conn: sqlite3.Connection) -> dict[tuple[int, int, str], tuple]:  # type: ignore[type-arg]
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in conn.execute(
        f"SELECT session_id, bucket_ms, model, {ROLLED}, sum(cost_usd) FROM usage_rollup"
        " GROUP BY session_id, bucket_ms, model")}


def assert_rollups_match(conn: sqlite3.Connection, tz: ZoneInfo) -> None:
    raw, rolled = _raw(conn), _rolled(conn)
    assert raw.keys() == rolled.keys()
    for key, want in raw.items():
        got = rolled[key]
        assert got[:-1] == want[:-1], key
        assert got[-1] == pytest.approx(want[-1], rel=1e-9, abs=1e-12)
    # the four per-type costs add up to the cost of each row
    for cost, parts in conn.execute("SELECT cost_usd, input_cost + cache_write_cost + cache_read_cost + output_cost"
                                    " FROM usage_rollup WHERE cost_usd IS NOT NULL"):
        assert parts == pytest.approx(cost, rel=1e-9, abs=1e-12)
    # the local-hour table is usage_rollup summed per local hour of the zone
    assert {r[0] for r in conn.execute("SELECT DISTINCT zone FROM usage_local_hour")} <= {tz.key}
    local = {(r[0], r[1], r[2]): r[3:] for r in conn.execute(
        f"SELECT local_day * 24 + hour, source, model, {ROLLED} FROM usage_local_hour GROUP BY 1, 2, 3")}
    expected: dict[tuple[int, str, str], list[int]] = {}
    for b, source, model, *sums in conn.execute(f"SELECT bucket_ms, source, model, {ROLLED} FROM usage_rollup"
                                                " GROUP BY 1, 2, 3"):
        off = int(rollups._offset_ms(tz, b))
        acc = expected.setdefault(((b + off) // 3_600_000, source, model), [0] * 6)
        for i, v in enumerate(sums):
            acc[i] += v
    assert {k: tuple(v) for k, v in expected.items()} == local
    # and the local-day table is the local-hour table summed per day, in the same zone
    assert {r[0] for r in conn.execute("SELECT DISTINCT zone FROM usage_local_day")} <= {tz.key}
    days = {(r[0], r[1], r[2]): r[3:] for r in conn.execute(
        f"SELECT local_day, source, model, {ROLLED} FROM usage_local_day GROUP BY 1, 2, 3")}
    by_day: dict[tuple[int, str, str], list[int]] = {}
    for (hour, source, model), sums in local.items():
        acc = by_day.setdefault((hour // 24, source, model), [0] * 6)
        for i, v in enumerate(sums):
            acc[i] += v
    assert {k: tuple(v) for k, v in by_day.items()} == days


def _conn(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(data / "tokenpulse.sqlite3")


def test_rollups_equal_raw_sums_after_incremental_scans(tmp_path: Path) -> None:
    claude, codex, data = tmp_path / "claude", tmp_path / "codex", tmp_path / "h"
    write_history(claude, codex)
    scan(data, claude, codex, tmp_path)
    conn = _conn(data)
    try:
        assert conn.execute("SELECT count(*) FROM usage_rollup").fetchone()[0] > 100
        assert_rollups_match(conn, ZoneInfo("UTC"))
        # more calls in an existing chat (same quarter-hours and new ones), a new chat, a new Codex rollout
        day = START + timedelta(days=1)
        claude_chat(claude, day, 0, calls=4, first_call=6, mode="a")
        claude_chat(claude, day, 7, hour=3)
        codex_chat(codex, day, 5)
        scan(data, claude, codex, tmp_path)
        assert_rollups_match(conn, ZoneInfo("UTC"))
        before = conn.execute("SELECT sum(calls) FROM usage_rollup").fetchone()[0]
        claude_chat(claude, day, 0, calls=2, first_call=10, mode="a")
        scan(data, claude, codex, tmp_path)
        assert conn.execute("SELECT sum(calls) FROM usage_rollup").fetchone()[0] == before + 2
        assert_rollups_match(conn, ZoneInfo("UTC"))
    finally:
        conn.close()


def test_upgrade_backfills_and_zone_change_rebuilds(tmp_path: Path) -> None:
    claude, codex, data = tmp_path / "claude", tmp_path / "codex", tmp_path / "h"
    write_history(claude, codex)
    scan(data, claude, codex, tmp_path)
    conn = _conn(data)
    try:
        conn.execute("DELETE FROM usage_rollup")  # as a store fresh from the 0003 upgrade, never counted
        conn.execute("DELETE FROM usage_local_hour")
        conn.execute("DELETE FROM app_state WHERE key = 'rollups_pending'")
        conn.commit()
        scan(data, claude, codex, tmp_path)  # the next writer fills them (reports only read)
        assert_rollups_match(conn, ZoneInfo("UTC"))
        # a half-hour zone: the local-hour table follows the settings
        scan(data, claude, codex, tmp_path, timezone="Asia/Kolkata")
        assert_rollups_match(conn, ZoneInfo("Asia/Kolkata"))
        # a writer stored calls and stopped before refreshing (the ledger counted the commit): start-up notices
        # the count of calls and repairs the chat
        conn.execute("DELETE FROM api_call WHERE id = (SELECT max(id) FROM api_call)")
        conn.execute("UPDATE app_state SET value = '1' WHERE key = 'rollups_pending'")
        conn.commit()
        open_workspace(data, claude, codex, tmp_path, timezone="Asia/Kolkata").close()  # opening alone writes nothing
        assert conn.execute("SELECT value FROM app_state WHERE key = 'rollups_pending'").fetchone()[0] == "1"
        ws = open_workspace(data, claude, codex, tmp_path, timezone="Asia/Kolkata")
        with ws.lock:
            ws.bring_up_to_date()  # what a scan or the app's worker does first
        ws.close()
        assert_rollups_match(conn, ZoneInfo("Asia/Kolkata"))
    finally:
        conn.close()


def test_refresh_of_a_parent_recomputes_its_sub_agent_chats(tmp_path: Path) -> None:
    claude, codex, data = tmp_path / "claude", tmp_path / "codex", tmp_path / "h"
    claude_chat(claude, START, 0)  # day 0 + chat 0: ordinal-based rule gives a sub-agent on some days
    for n in range(1, 4):
        claude_chat(claude, START, n)
    scan(data, claude, codex, tmp_path)
    conn = _conn(data)
    conn.isolation_level = None
    try:
        parent, child = conn.execute(
            "SELECT p.id, c.id FROM chat_session c JOIN chat_session p ON p.session_key = c.parent_key").fetchone()
        # a main-chat call deletes a sidechain replay stored in the sub-agent chat (ledger behaviour)
        conn.execute("DELETE FROM api_call WHERE id = (SELECT min(id) FROM api_call WHERE session_id = ?)", (child,))
        rollups.refresh(conn, [parent], None, ZoneInfo("UTC"))
        assert_rollups_match(conn, ZoneInfo("UTC"))
    finally:
        conn.close()


def test_empty_store_has_no_rollups(tmp_path: Path) -> None:
    data = tmp_path / "h"
    open_workspace(data, tmp_path / "none", tmp_path / "none", tmp_path).close()
    conn = _conn(data)
    try:
        assert rollups.stale_sessions(conn) == []
        assert rollups.refresh(conn, []) == 0
        assert rollups.local_zone(conn) is None
    finally:
        conn.close()


def test_refresh_of_a_chat_without_calls(tmp_path: Path) -> None:
    claude, codex, data = tmp_path / "claude", tmp_path / "codex", tmp_path / "h"
    claude_chat(claude, START, 1)
    scan(data, claude, codex, tmp_path)
    conn = _conn(data)
    conn.isolation_level = None
    try:
        conn.execute("INSERT INTO chat_session (source, session_key, first_ms, last_ms, models)"
                     " VALUES ('codex', 'empty', 0, 0, '')")
        empty = conn.execute("SELECT id FROM chat_session WHERE session_key = 'empty'").fetchone()[0]
        rollups.refresh(conn, [empty], None, ZoneInfo("UTC"))  # every call of it was a duplicate, say
        assert_rollups_match(conn, ZoneInfo("UTC"))
    finally:
        conn.close()


def test_a_scan_stopped_before_its_refresh_is_repaired_by_the_next_writer(tmp_path: Path) -> None:
    """The ledger counts each commit of calls in the same transaction; `after_ingest` counts it down. A process
    killed in between leaves the count up, and the next writer finds the stale chats (else it skips that
    full count of the calls, which costs a third of a second on two million)."""
    claude, codex, data = tmp_path / "claude", tmp_path / "codex", tmp_path / "h"
    write_history(claude, codex)
    ws = open_workspace(data, claude, codex, tmp_path)
    try:
        summary = ws.scanner.scan()  # stored, not refreshed: as if killed right after the last commit
        assert summary.rollups_pending > 0
    finally:
        ws.close()
    conn = _conn(data)
    try:
        pending = conn.execute("SELECT value FROM app_state WHERE key = 'rollups_pending'").fetchone()[0]
        assert int(pending) == summary.rollups_pending
        assert conn.execute("SELECT count(*) FROM usage_rollup").fetchone()[0] == 0
        ws = open_workspace(data, claude, codex, tmp_path)
        with ws.lock:
            ws.bring_up_to_date()  # the next writer's first step
        ws.close()
        assert_rollups_match(conn, ZoneInfo("UTC"))
        assert conn.execute("SELECT value FROM app_state WHERE key = 'rollups_pending'").fetchone()[0] == "0"
        scan(data, claude, codex, tmp_path)  # a whole scan counts up and down again: nothing left pending
        assert conn.execute("SELECT value FROM app_state WHERE key = 'rollups_pending'").fetchone()[0] == "0"
    finally:
        conn.close()
