"""A first import's write path (issue 16 §2) stores exactly what the row-by-row one stored.

During a first import the ledger answers "which calls are new?" and "which sidechain calls are replays?" from
what it stored itself (`_ImportIndex`) instead of asking the store, and asks the store in batches otherwise.
Both are checked against the earlier logic, kept here as the reference: one query per sidechain call, one
DELETE per main-chat message, existing keys looked up. Random batches of calls (streaming copies, replays of
main-chat messages in sub-agents before and after the main call, keys repeated across files) must leave the
same rows, ids included, and the same counts, all three ways. And the deferred indexes come back as they were.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenpulse.store.db import connect
from tokenpulse.store.ledger import Cursor, Ledger, WriteResult
from tokenpulse.store.tx import write_tx
from tokenpulse.usage import ApiCall


class ReferenceLedger(Ledger):
    """The sidechain-replay rule as it was written before batching: a query per call, a DELETE per message."""

    def _drop_sidechain_replays(self, batch: list[ApiCall], result: WriteResult) -> list[ApiCall]:
        main = {c.message_hash: c.dedupe_key for c in batch if not c.is_sidechain and c.message_hash is not None}
        kept = []
        for c in batch:
            if c.is_sidechain and c.message_hash is not None:
                in_batch = main.get(c.message_hash)
                if (in_batch is not None and in_batch != c.dedupe_key) or self.conn.execute(
                        "SELECT 1 FROM api_call WHERE message_hash = ? AND is_sidechain = 0 AND dedupe_key <> ?"
                        " LIMIT 1", (c.message_hash, c.dedupe_key)).fetchone():
                    result.replays_dropped += 1
                    continue
                self._has_sidechains = True
            kept.append(c)
        if main and self._sidechains_stored():
            cur = self.conn.executemany(
                "DELETE FROM api_call WHERE message_hash = ? AND is_sidechain = 1 AND dedupe_key <> ?",
                list(main.items()))
            result.replays_dropped += max(cur.rowcount, 0)
        return kept


@st.composite
def call_batches(draw: st.DrawFn) -> list[list[ApiCall]]:
    """Files of calls: keys from a small pool (so they repeat), message hashes shared by main and sidechain."""
    files = []
    for _ in range(draw(st.integers(1, 5))):
        calls = []
        for _ in range(draw(st.integers(0, 8))):
            key = draw(st.integers(0, 9))
            sidechain = draw(st.booleans())
            h = draw(st.sampled_from([None, 1, 2, 3]))
            calls.append(ApiCall(
                source="claude-code", dedupe_key=bytes([key]) * 16, session_key=f"s{draw(st.integers(0, 2))}",
                ts_ms=1_770_000_000_000 + draw(st.integers(0, 5)) * 1000, model=draw(st.sampled_from(["a", "b"])),
                input=draw(st.integers(0, 3)), cache_read=draw(st.integers(0, 3)), output=draw(st.integers(0, 3)),
                is_sidechain=sidechain, message_hash=h, cost_usd=0.5,
                parent_session_key="s0" if sidechain else None))
        files.append(calls)
    return files


def _commit_all(ledger: Ledger, files: list[list[ApiCall]], first_import: bool) -> tuple[Any, ...]:
    results = []
    if first_import:
        assert ledger.start_import()
    try:
        with write_tx(ledger.conn):
            for i, calls in enumerate(files):
                # copies: the ledger must not depend on call objects shared between the three ways
                copies = [ApiCall(**{f: getattr(c, f) for f in c.__slots__}) for c in calls]  # type: ignore[attr-defined]
                r = ledger.commit_file(Cursor("claude-code", f"/f{i}"), copies, 1)
                results.append((r.new, r.updated, r.replays_dropped))
    finally:
        ledger.end_import()
    rows = ledger.conn.execute("SELECT * FROM api_call ORDER BY id").fetchall()
    sessions = ledger.conn.execute("SELECT * FROM chat_session ORDER BY id").fetchall()
    return results, rows, sessions


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=call_batches(), earlier=call_batches())
def test_imports_store_what_the_row_by_row_path_stored(tmp_path_factory: pytest.TempPathFactory,
                                                        files: list[list[ApiCall]],
                                                        earlier: list[list[ApiCall]]) -> None:
    tmp = tmp_path_factory.mktemp("ledger")
    outcomes = []
    for name, kind, first in (("reference", ReferenceLedger, False), ("batched", Ledger, False),
                              ("import", Ledger, True)):
        conn = connect(tmp / f"{name}.sqlite3")
        try:
            outcomes.append(_commit_all(kind(conn), files, first))
        finally:
            conn.close()
    assert outcomes[1] == outcomes[0], "batched lookups differ from one query per call"
    assert outcomes[2] == outcomes[0], "a first import's memory differs from the store's answers"
    # and on a store that already has calls (not a first import: asked in batches), the same as the reference
    later = []
    for name, kind in (("reference2", ReferenceLedger), ("batched2", Ledger)):
        conn = connect(tmp / f"{name}.sqlite3")
        try:
            ledger = kind(conn)
            _commit_all(ledger, earlier, False)
            later.append(_commit_all(ledger, files, False))
        finally:
            conn.close()
    assert later[1] == later[0]


def test_an_import_into_a_store_with_calls_is_not_a_first_import(tmp_path: Path) -> None:
    conn = connect(tmp_path / "tokenpulse.sqlite3")
    try:
        ledger = Ledger(conn)
        assert ledger.start_import()
        ledger.end_import()
        call = ApiCall(source="codex", dedupe_key=b"k" * 16, session_key="s", ts_ms=1_770_000_000_000, model="m",
                       output=1)
        with write_tx(conn):
            ledger.commit_file(Cursor("codex", "/f"), [call], 1)
        assert not ledger.start_import()  # keys stored before would be unknown to the memory
    finally:
        conn.close()


def _indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()


@pytest.mark.parametrize("first_import", [False, True])
def test_deferred_indexes_come_back_as_they_were_or_stay_after_a_rollback(tmp_path: Path, first_import: bool) -> None:
    """Two indexes no import reads are built at its end; a first import (answering the sidechain rule from
    memory) defers the message-hash index too. An error rolls the drops back with everything else."""
    conn = connect(tmp_path / "tokenpulse.sqlite3")
    try:
        ledger = Ledger(conn)
        before = _indexes(conn)
        cache = conn.execute("PRAGMA cache_size").fetchone()
        assert ledger.start_import() or not first_import
        if not first_import:
            ledger.end_import()
        with write_tx(conn):
            ledger.defer_call_indexes()
            assert len(_indexes(conn)) == len(before) - (3 if first_import else 2)
            ledger.build_deferred_indexes()
        assert _indexes(conn) == before
        with pytest.raises(RuntimeError), write_tx(conn):
            ledger.defer_call_indexes()
            raise RuntimeError("the import failed half way")
        assert _indexes(conn) == before
        ledger.end_import()
        assert conn.execute("PRAGMA cache_size").fetchone() == cache  # the import's larger page cache given back
    finally:
        conn.close()
