"""The plan-limit tables (issue 11): one row per change with `seen_ms` extended by repeats (out-of-order reads
too), one hit per window period, the newest context window kept; and the status line's journal."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tokenpulse.quota import ContextWindowSeen, LimitHit, LimitRecords, LimitSnapshot
from tokenpulse.store import limits, limits_journal
from tokenpulse.store.db import connect

R = 1_800_000_000_000  # a reset time


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = connect(tmp_path / "tokenpulse.sqlite3")
    yield c  # type: ignore[misc]
    c.close()


def snap(observed: int, used: float, resets: int | None = R, seen: int = 0, **kw: object) -> LimitSnapshot:
    return LimitSnapshot("codex", 300, used, observed, resets, seen_ms=seen, **kw)  # type: ignore[arg-type]


def rows(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT observed_ms, seen_ms, used_percent, resets_ms FROM limit_snapshot"
                        " ORDER BY observed_ms").fetchall()


def test_repeats_extend_a_row_and_changes_add_one(conn: sqlite3.Connection) -> None:
    limits.write_records(conn, LimitRecords([snap(100, 10.0), snap(200, 10.0, R + 5_000), snap(300, 12.0)]))
    limits.write_records(conn, LimitRecords([snap(400, 12.0, seen=450)]))
    assert rows(conn) == [(100, 200, 10.0, R), (300, 450, 12.0, R)]


def test_a_new_reset_time_is_a_new_window_even_at_the_same_percentage(conn: sqlite3.Connection) -> None:
    limits.write_records(conn, LimitRecords([snap(100, 0.0), snap(200, 0.0, R + 18_000_000)]))
    assert len(rows(conn)) == 2


def test_readings_stored_out_of_order_join_the_run_they_belong_to(conn: sqlite3.Connection) -> None:
    limits.write_records(conn, LimitRecords([snap(100, 10.0), snap(300, 12.0, seen=400)]))
    limits.write_records(conn, LimitRecords([snap(250, 12.0)]))  # another session's log, read later
    limits.write_records(conn, LimitRecords([snap(150, 10.0)]))
    assert rows(conn) == [(100, 150, 10.0, R), (250, 400, 12.0, R)]


def test_storing_the_same_records_twice_changes_nothing(conn: sqlite3.Connection) -> None:
    recs = LimitRecords([snap(100, 1.0), snap(200, 2.0, seen=260)],
                        [LimitHit("codex", 150, "usage_limit_exceeded", 300, R, "s")],
                        [ContextWindowSeen("codex", "s", "gpt-5", 258_400, 100)])
    limits.write_records(conn, recs)
    before = [conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("limit_snapshot", "limit_hit",
                                                                       "context_window")]
    limits.write_records(conn, recs)
    assert [conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("limit_snapshot", "limit_hit",
                                                                     "context_window")] == before


def test_hits_of_one_window_period_are_one_and_unknown_periods_are_kept(conn: sqlite3.Connection) -> None:
    limits.write_records(conn, LimitRecords(hits=[LimitHit("claude-code", 100, "rate_limit", 300, R),
                                                  LimitHit("claude-code", 900, "rate_limit", 300, R + 2_000),
                                                  LimitHit("claude-code", 1000, "rate_limit"),
                                                  LimitHit("claude-code", 2000, "rate_limit")]))
    assert [r[0] for r in conn.execute("SELECT ts_ms FROM limit_hit ORDER BY ts_ms")] == [100, 1000, 2000]


def test_the_newest_context_window_wins(conn: sqlite3.Connection) -> None:
    limits.write_records(conn, LimitRecords(windows=[ContextWindowSeen("claude-code", "s", "opus", 200_000, 200),
                                                     ContextWindowSeen("claude-code", "s", None, 1_000_000, 100)]))
    assert limits.chat_window(conn, "claude-code", "s") == (200_000, "opus")
    assert limits.model_window(conn, "opus") == 200_000 and limits.model_window(conn, "other") is None


def test_latest_is_the_most_recently_seen_reading_of_each_window(conn: sqlite3.Connection) -> None:
    limits.write_records(conn, LimitRecords([snap(100, 1.0), snap(200, 2.0),
                                             LimitSnapshot("codex", 10_080, 7.0, 150, R + 1),
                                             LimitSnapshot("codex", 300, 9.0, 50, R, scope="spark", seen_ms=60)]))
    assert [(s.window_minutes, s.scope, s.used_percent) for s in limits.latest(conn)] == [
        (300, "", 2.0), (10_080, "", 7.0), (300, "spark", 9.0)]


def _insert(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    """(source, scope, window_minutes, observed_ms, seen_ms, used_percent) rows, straight into the table."""
    conn.executemany("INSERT INTO limit_snapshot (source, scope, window_minutes, observed_ms, seen_ms, used_percent,"
                     " resets_ms, via) VALUES (?, ?, ?, ?, ?, ?, NULL, 'log')", rows)
    conn.commit()


def _latest(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return [(s.source, s.scope, s.window_minutes, s.observed_ms, s.seen_ms, s.used_percent)
            for s in limits.latest(conn)]


def test_latest_finds_a_window_not_seen_for_long_and_breaks_ties_by_the_first_observed(
        conn: sqlite3.Connection) -> None:
    _insert(conn, [("claude-code", "", 300, 10, 20, 5.0),  # a window whose last reading is old
                   *(("codex", "", 300, 100 + k, 200 + k, float(k)) for k in range(50)),
                   ("codex", "", 10_080, 300, 900, 1.0), ("codex", "", 10_080, 200, 900, 2.0),  # seen last together
                   ("codex", "", 10_080, 100, 800, 3.0)])
    assert _latest(conn) == [("claude-code", "", 300, 10, 20, 5.0), ("codex", "", 300, 149, 249, 49.0),
                             ("codex", "", 10_080, 200, 900, 2.0)]


def test_latest_reads_the_newest_readings_not_the_whole_history(conn: sqlite3.Connection) -> None:
    """A status asks for the latest readings every time, and the history grows by a row per change (months of
    Codex logs: tens of thousands): reading all of it cost `tokenpulse status` several ms."""
    _insert(conn, [("codex", "", minutes, 1_000 * k, 1_000 * k + 500, float(k % 100))
                   for k in range(5_000) for minutes in (300, 10_080)])
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(count, 100)  # called every 100 virtual machine instructions
    found = _latest(conn)
    conn.set_progress_handler(None, 0)
    assert found == [("codex", "", 300, 4_999_000, 4_999_500, 99.0), ("codex", "", 10_080, 4_999_000, 4_999_500, 99.0)]
    assert steps < 50, f"{steps * 100} instructions: the whole history was read"


# --- the journal ----------------------------------------------------------------------------------------------

def entry(used: float, at: int) -> dict[str, object]:
    return {"k": "snap", "source": "claude-code", "window_minutes": 300, "used_percent": used, "resets_ms": R,
            "observed_ms": at, "via": "statusline"}


def test_the_journal_is_folded_once_and_bad_lines_are_counted_not_fatal(conn: sqlite3.Connection,
                                                                         tmp_path: Path) -> None:
    data = tmp_path
    assert limits_journal.append(data, [entry(10.0, 100), entry(11.0, 200)])
    with open(limits_journal.path_in(data), "ab") as fh:
        fh.write(b'{"k": "snap", "used_percent": "x"}\nnot json\n\xff\xfe\n')
    assert limits_journal.append(data, [{"k": "window", "source": "claude-code", "session_key": "s",
                                         "model": "m", "tokens": 200_000, "seen_ms": 300}])
    records, bad = limits_journal.decode(limits_journal.path_in(data).read_bytes())
    assert (len(records.snapshots), len(records.windows), bad) == (2, 1, 3)
    assert limits_journal.fold(conn, data) == 3
    assert limits_journal.path_in(data).read_bytes() == b""
    assert limits_journal.fold(conn, data) == 0
    assert [r[2] for r in rows(conn)] == [10.0, 11.0]
    assert oct(os.stat(limits_journal.path_in(data)).st_mode & 0o777) == "0o600"


def test_folding_keeps_what_was_appended_while_it_stored(conn: sqlite3.Connection, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    limits_journal.append(tmp_path, [entry(10.0, 100)])
    real = limits.write_records

    def slow_store(c: sqlite3.Connection, recs: LimitRecords) -> None:
        real(c, recs)
        limits_journal.append(tmp_path, [entry(12.0, 400)])  # a status line writes meanwhile

    monkeypatch.setattr(limits, "write_records", slow_store)
    limits_journal.fold(conn, tmp_path)
    left = limits_journal.path_in(tmp_path).read_bytes()
    assert [json.loads(x)["used_percent"] for x in left.splitlines()] == [12.0]
    monkeypatch.setattr(limits, "write_records", real)
    limits_journal.fold(conn, tmp_path)
    assert [r[2] for r in rows(conn)] == [10.0, 12.0]


def test_a_full_journal_drops_rather_than_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits_journal, "MAX_BYTES", 400)
    assert limits_journal.append(tmp_path, [entry(1.0, 1), entry(2.0, 2)])
    assert not limits_journal.append(tmp_path, [entry(3.0, 3), entry(4.0, 4)])
    assert len(limits_journal.path_in(tmp_path).read_bytes().splitlines()) == 2


def test_forgetting_a_project_takes_its_chats_context_windows_and_hit_names(tmp_path: Path) -> None:
    from helpers import codex_file, codex_meta, codex_tc, codex_turn, make_workspace, usage, write_lines
    from tokenpulse.store.forget import forget_project

    codex = tmp_path / "codex"
    write_lines(codex_file(codex), [
        codex_meta("2026-03-01T10:00:00Z", "0199aaaa-0000-7000-8000-000000000001", cwd="/home/u/secret"),
        codex_turn("2026-03-01T10:00:00Z", cwd="/home/u/secret"),
        codex_tc("2026-03-01T10:00:05Z", usage(100, 0, 5), usage(100, 0, 5)),
        '{"timestamp":"2026-03-01T10:00:09Z","type":"event_msg","payload":{"type":"task_complete",'
        '"error":{"codex_error_info":"usage_limit_exceeded"}}}'])
    ws = make_workspace(tmp_path, codex=codex)
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM context_window").fetchone()[0] == 1
        forget_project(ws.conn, "/home/u/secret")
        assert ws.conn.execute("SELECT count(*) FROM context_window").fetchone()[0] == 0
        assert ws.conn.execute("SELECT session_key FROM limit_hit").fetchall() == [(None,)]
        assert ws.conn.execute("SELECT count(*) FROM limit_snapshot").fetchone()[0] == 1  # the account's reading
    finally:
        ws.close()


def test_an_upgraded_store_takes_the_readings_of_the_lines_it_had_read(tmp_path: Path) -> None:
    """After the upgrade to 0006 the logs read before it give their readings once, and no call is read again."""
    from alembic import command

    from helpers import copy_file, make_workspace, samples
    from tokenpulse.store.migrate import _config

    codex = tmp_path / "codex"
    copy_file(samples("codex") / "agent-sessions__codex_053_rate_limit.jsonl",
              codex / "sessions/2025/10/31/rollout-2025-10-31T17-00-00-test.jsonl")
    ws = make_workspace(tmp_path, codex=codex)
    try:
        ws.scan()
        want = ws.conn.execute("SELECT * FROM limit_snapshot ORDER BY id").fetchall()
    finally:
        ws.close()
    db = tmp_path / "data" / "tokenpulse.sqlite3"
    command.downgrade(_config(db), "0005_store_shape")  # the store as the release before this one left it
    ws = make_workspace(tmp_path, codex=codex)  # upgrades it
    try:
        assert ws.conn.execute("SELECT count(*) FROM limit_snapshot").fetchone()[0] == 0
        summary = ws.scan()
        assert summary.bytes_read == 0 and summary.calls_new == 0  # no call read again
        assert ws.conn.execute("SELECT * FROM limit_snapshot ORDER BY id").fetchall() == want
        assert ws.conn.execute("SELECT count(*) FROM app_state WHERE key = 'limits_backfill'").fetchone()[0] == 0
        ws.scan()  # once only
        assert ws.conn.execute("SELECT * FROM limit_snapshot ORDER BY id").fetchall() == want
    finally:
        ws.close()


def test_a_reading_at_a_moment_another_reading_holds_does_not_break_the_scan(conn: sqlite3.Connection) -> None:
    """Two readings stamped the same millisecond (two logs), the second the same as a later row: moving that row
    back onto the moment raised a UNIQUE error, which failed the whole scan. The moment's row keeps it."""
    limits.write_records(conn, LimitRecords([snap(1001, 1.0)]))
    limits.write_records(conn, LimitRecords([snap(1000, 2.5), snap(1000, 1.0)]))
    assert rows(conn) == [(1000, 1000, 2.5, R), (1001, 1001, 1.0, R)]
