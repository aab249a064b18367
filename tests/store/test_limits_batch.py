"""Plan-limit snapshots written as runs (store.limits.write_snapshots) leave the same table as one by one.

`write_snapshots` merges a window's in-order run in memory and inserts its new rows together; any other
window's snapshots take the row-by-row path in their place. Both must leave the same rows, ids included, for
any sequence: runs, out-of-order and repeated readings, several windows and scopes interleaved, resets moving
within the jitter, plans changing, and rows already stored before (earlier, later or at the same moment).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenpulse.quota import RESET_JITTER_MS, LimitSnapshot
from tokenpulse.store import limits
from tokenpulse.store.db import connect
from tokenpulse.store.tx import write_tx

R = 1_800_000_000_000


def _one_by_one(conn: sqlite3.Connection, snaps: list[LimitSnapshot]) -> None:
    with write_tx(conn):
        for snap in snaps:
            limits._write_snapshot(conn, snap)


def _batched(conn: sqlite3.Connection, snaps: list[LimitSnapshot]) -> None:
    with write_tx(conn):
        limits.write_snapshots(conn, snaps)


def _table(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT * FROM limit_snapshot ORDER BY id").fetchall()


@st.composite
def snapshot_lists(draw: st.DrawFn, start: int | None = None) -> list[LimitSnapshot]:
    windows = draw(st.lists(st.sampled_from([("codex", "", 300), ("codex", "", 10080), ("codex", "gpt-x", 300),
                                             ("claude-code", "", 300)]), min_size=1, max_size=3, unique=True))
    out = []
    # from a narrow range with small steps: readings of one moment are common
    t = draw(st.integers(1_000, 1_020)) if start is None else start
    for _ in range(draw(st.integers(0, 14))):
        source, scope, minutes = draw(st.sampled_from(windows))
        step = draw(st.sampled_from([0, 1, 7, 40, -3, -40]))  # mostly later, sometimes the same or earlier
        t = max(1, t + step)
        if draw(st.booleans()):  # a repeat of the reading most written (logs re-emit it)
            used, resets, plan = 1.0, draw(st.sampled_from([R, R + RESET_JITTER_MS // 2])), "plus"
        else:
            used = draw(st.sampled_from([1.0, 2.5, 40.0, 100.0]))
            resets = draw(st.sampled_from([R, R + RESET_JITTER_MS + 1, None]))
            plan = draw(st.sampled_from(["plus", "pro", None]))
        seen = draw(st.sampled_from([0, 0, t + 30]))
        out.append(LimitSnapshot(source, minutes, used, t, resets, plan, scope, "log", seen))
    return out


def _run(tmp_path: Path, name: str, before: list[list[LimitSnapshot]], snaps: list[LimitSnapshot],
         write: object) -> list[tuple[object, ...]]:
    conn = connect(tmp_path / f"{name}.sqlite3")
    try:
        for earlier in before:
            _one_by_one(conn, earlier)
        write(conn, snaps)  # type: ignore[operator]
        return _table(conn)
    finally:
        conn.close()


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_runs_leave_the_same_rows_as_one_by_one(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    before = data.draw(st.lists(snapshot_lists(), max_size=2), "before")
    last = max((s.observed_ms for b in before for s in b), default=1_000)
    # the readings written last often all come after the stored ones (a first import's runs), or just at the
    # last stored moment, or overlap them
    start = last + data.draw(st.sampled_from([-10, -1, 0, 0, 1, 60, 20_000]), "start after the stored readings")
    snaps = data.draw(snapshot_lists(start=start), "snaps")
    tmp = tmp_path_factory.mktemp("limits")
    # the same objects are written twice: snapshots are not changed by being written (copies would hide it)
    expected = _run(tmp, "one_by_one", before, snaps, _one_by_one)
    assert _run(tmp, "batched", before, snaps, _batched) == expected


def test_a_long_run_takes_a_few_statements(tmp_path: Path) -> None:
    """The point of runs: 200 readings of two windows, all later than the stored rows: one query per window (the
    trace lists each row of an executemany as a statement: the queries are what is counted)."""
    conn = connect(tmp_path / "tokenpulse.sqlite3")
    try:
        _one_by_one(conn, [LimitSnapshot("codex", 300, 1.0, 10, R), LimitSnapshot("codex", 10080, 1.0, 10, R)])
        snaps = [LimitSnapshot("codex", 300 if i % 2 else 10080, float(i // 6), 100 + i, R) for i in range(200)]
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        _batched(conn, snaps)
        conn.set_trace_callback(None)
        queries = [s for s in statements if s.startswith("SELECT")]
        assert len(queries) == 2, queries
        batched = _table(conn)
    finally:
        conn.close()
    conn = connect(tmp_path / "reference.sqlite3")
    try:
        _one_by_one(conn, [LimitSnapshot("codex", 300, 1.0, 10, R), LimitSnapshot("codex", 10080, 1.0, 10, R)])
        _one_by_one(conn, snaps)
        assert _table(conn) == batched
        assert len(batched) > 30
    finally:
        conn.close()
