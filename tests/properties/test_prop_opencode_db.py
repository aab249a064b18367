"""Hostile-input properties of the OpenCode database reader, over small SQLite databases with hostile rows."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import prop_records_more_agents as more
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prop_checks import SETTINGS, as_stored, assert_honest_counter, assert_sane_call
from prop_hostile import EXTREME_DEPTHS, deep, hostile_values, mutate, to_line

from tokenpulse.sources.opencode.database import read_database

pytestmark = pytest.mark.slow  # each example builds a SQLite database

# OpenCode's own tables (session.sql.ts), without its NOT NULL constraints: a hostile database need not keep them.
SCHEMA = """
CREATE TABLE session (id text PRIMARY KEY, project_id text, parent_id text, directory text, title text,
                      version text, time_created integer, time_updated integer);
CREATE TABLE message (id text PRIMARY KEY, session_id text, time_created integer, time_updated integer, data text);
"""

Row = tuple[Any, Any, Any, Any]  # (id, session_id, time_updated, data); data may be an SQL expression


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    # module-scoped: hypothesis runs many examples per test, each with a database of its own under it
    with tempfile.TemporaryDirectory(prefix="tp-opencode-") as name:
        yield Path(name)


_made = iter(range(10**9))


def make_db(folder: Path, rows: list[Row]) -> Path:
    path = folder / f"db{next(_made)}" / "opencode.db"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")  # a throwaway file: no need to wait for the disk
    conn.executescript(SCHEMA)
    add_rows(conn, rows)
    conn.close()
    return path


def add_rows(conn: sqlite3.Connection, rows: list[Row]) -> None:
    conn.execute("INSERT OR IGNORE INTO session VALUES ('ses_1', 'p', NULL, '/home/ü/proj', 't', '1', 0, 0)")
    for mid, sid, updated, data in rows:
        if isinstance(data, RawSql):  # bytes that sqlite3 itself cannot bind as TEXT: not UTF-8
            conn.execute(f"INSERT OR REPLACE INTO message VALUES (?, ?, 0, ?, {data.sql})", (mid, sid, updated))
        else:
            conn.execute("INSERT OR REPLACE INTO message VALUES (?, ?, 0, ?, ?)", (mid, sid, updated, data))
    conn.commit()


class RawSql:
    def __init__(self, sql: str) -> None:
        self.sql = sql

    def __repr__(self) -> str:
        return f"RawSql({self.sql!r})"


# `data` cells a row can hold: mutated messages, any JSON, bytes, numbers, NULL, invalid UTF-8, deep nesting.
bad_data = st.one_of(
    hostile_values.map(lambda v: to_line(v, ascii_only=True).decode()),
    more.OPENCODE_OTHER.map(json.dumps),
    st.binary(max_size=60),
    st.integers(-(2**63), 2**63 - 1), st.none(), st.floats(allow_nan=False),
    st.sampled_from([RawSql("CAST(x'7bff7d' AS TEXT)"), RawSql("CAST(x'c328' AS TEXT)"), RawSql("zeroblob(3)")]),
    st.sampled_from(EXTREME_DEPTHS).map(lambda d: to_line({"role": "assistant", "tokens": deep(d)}).decode()),
)
# NULL, integer and BLOB ids; odd and even integers keep the two batches of a resume test from replacing
# each other's rows (a replaced row is another test: the store keeps calls of rows that went away).
_bad_ids = {prefix: st.one_of(st.none(), st.integers(0, 10**6).map(lambda n, odd=odd: 2 * n + odd),
                              st.binary(max_size=4).map(lambda b, p=prefix: p.encode() + b))
            for prefix, odd in (("a", 0), ("b", 1))}


@st.composite
def hostile_rows(draw: st.DrawFn, prefix: str) -> list[Row]:
    rows: list[Row] = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["data", "mutated", "id"]))
        if kind == "mutated":
            data: Any = to_line(mutate(draw, draw(more.opencode_usage).record, max_mutations=5)).decode(
                "utf-8", "surrogatepass")
            if any("\ud800" <= c <= "\udfff" for c in data):
                data = RawSql("CAST(x'ff' AS TEXT)")
        else:
            data = draw(bad_data)
        mid: Any = draw(_bad_ids[prefix]) if kind == "id" else f"{prefix}bad{i}"
        rows.append((mid, draw(st.sampled_from(["ses_1", None, 7, "ses_ü"])), draw(st.none() | st.integers(0, 99)),
                     data))
    return rows


@st.composite
def good_rows(draw: st.DrawFn, prefix: str) -> tuple[list[Row], list[int]]:
    """Completed assistant messages with distinct ids: each must give its call, whatever lies beside it."""
    rows, totals = [], []
    for i in range(draw(st.integers(1, 4))):
        example = more.opencode_record(draw, msg_id=f"{prefix}good{i}")
        rows.append((f"{prefix}good{i}", "ses_1", draw(st.integers(0, 99)), json.dumps(example.record)))
        totals.append(example.total)
    return rows, totals


def _read(path: Path, state: Any = None) -> tuple[Any, dict[str, Any]]:
    parsed, new_state = read_database(path, state)
    for call in parsed.calls:
        assert_sane_call(call, "opencode")
    assert_honest_counter(parsed.skipped)
    assert json.loads(json.dumps(new_state)) == new_state, "state must survive a JSON round trip unchanged"
    return parsed, new_state


def _interleave(draw: st.DrawFn, good: list[Row], bad: list[Row]) -> list[Row]:
    rows = list(good)
    for row in bad:
        rows.insert(draw(st.integers(0, 2**16)) % (len(rows) + 1), row)
    return rows


@SETTINGS
@given(data=st.data())
def test_hostile_rows_never_raise_and_never_cost_a_good_row_its_call(folder: Path, data: st.DataObject) -> None:
    good, totals = data.draw(good_rows("a"))
    bad = data.draw(hostile_rows("a"))
    parsed, _ = _read(make_db(folder, _interleave(data.draw, good, bad)))
    clean, _ = _read(make_db(folder, good))
    assert sorted(c.total for c in clean.calls) == sorted(totals)
    kept = as_stored(parsed.calls)
    for key, call in as_stored(clean.calls).items():
        assert kept.get(key) == call
    assert len(parsed.calls) + sum(parsed.skipped.values()) <= len(good) + len(bad)


@SETTINGS
@given(data=st.data())
def test_resuming_from_saved_state_matches_one_full_read(folder: Path, data: st.DataObject) -> None:
    good1, _ = data.draw(good_rows("a"))
    good2, _ = data.draw(good_rows("b"))
    first_rows = _interleave(data.draw, good1, data.draw(hostile_rows("a")))
    later_rows = _interleave(data.draw, good2, data.draw(hostile_rows("b")))
    path = make_db(folder, first_rows)
    before, state = _read(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    add_rows(conn, later_rows)
    conn.close()
    after, _ = _read(path, json.loads(json.dumps(state)))
    whole, _ = _read(make_db(folder, first_rows + later_rows))
    assert as_stored(before.calls + after.calls) == as_stored(whole.calls)

