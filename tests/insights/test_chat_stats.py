"""chat_stats on a real store: figures after a scan, an incremental refresh, sub-agent roll-ups, stale rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import CLAUDE_MODEL, claude_line, write_lines
from tokenpulse.insights import chat_stats
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.store import chat_figures

T0 = "2026-03-01T10:{:02d}:00.000Z"


def _call(k: int, context: int, *, session: str = "sess-1", one_hour: int | None = None, **kw: object) -> str:
    # all context as a cache read except a small input, so the cache-read price applies to the waste
    return claude_line(msg_id=f"m-{session}-{k}", req_id=f"r-{session}-{k}", input=10, cache_read=context - 10,
                       cache_write=one_hour or 0, one_hour=one_hour, ts=T0.format(k), session=session, **kw)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[sqlite3.Connection, object, Path]]:
    from tokenpulse.config.paths import resolve
    from tokenpulse.store.db import connect
    from tokenpulse.workspace import Workspace

    conn = connect(tmp_path / "x.sqlite3")
    found = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'chat_stats'").fetchone()[0]
    conn.close()
    assert found == 1, "a new store lacks chat_stats: regenerate store/schema.sql (python -m tokenpulse.store.migrate --dump)"
    claude = tmp_path / "claude"
    ws = Workspace(resolve(tmp_path / "home"), env={"CLAUDE_CONFIG_DIR": str(claude)}, home=tmp_path)
    try:
        yield ws.conn, ws, claude / "projects" / "-home-u-proj"
    finally:
        ws.close()


def _row(conn: sqlite3.Connection, session_key: str) -> dict[str, object]:
    cur = conn.execute("SELECT t.* FROM chat_stats t JOIN chat_session s ON s.id = t.session_id"
                       " WHERE s.session_key = ?", (session_key,))
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, f"no chat_stats row for {session_key}"
    return dict(zip(names, row))


def _cost(conn: sqlite3.Connection, session_key: str) -> float:
    return conn.execute("SELECT sum(c.cost_usd) FROM api_call c JOIN chat_session s ON s.id = c.session_id"
                        " WHERE s.session_key = ?", (session_key,)).fetchone()[0]


def test_refresh_after_scan_stores_the_worked_example(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    write_lines(folder / "sess-1.jsonl", [_call(k, 100 * k) for k in range(1, 12)])
    summary = ws.scanner.scan()
    result = chat_stats.refresh(conn, summary.sessions_touched, ws.pricer, recap_allowance=0)
    assert result.updated == 1 and len(result.new_sessions) == 1
    row = _row(conn, "sess-1")
    read = ws.pricer.rates(CLAUDE_MODEL, "2026-03-01").cache_read_per_token()
    assert read is not None and read > 0
    assert (row["calls"], row["first_context"], row["peak_context"], row["last_context"]) == (11, 100, 1100, 1100)
    assert (row["context_tokens"], row["waste_tokens"]) == (6_600, 5_500)
    assert row["waste_cost_usd"] == pytest.approx(5_500 * read)
    assert row["cost_usd"] == pytest.approx(_cost(conn, "sess-1"))
    assert row["waste_share"] == pytest.approx(row["waste_cost_usd"] / row["cost_usd"])
    assert row["recap_allowance"] == 0 and row["wrote_1h_cache"] == 0


def test_incremental_refresh_touches_only_the_scanned_chat(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    write_lines(folder / "sess-1.jsonl", [_call(k, 100 * k) for k in range(1, 12)])
    write_lines(folder / "sess-2.jsonl", [_call(k, 1_000, session="sess-2") for k in range(1, 4)])
    summary = ws.scanner.scan()
    chat_stats.refresh(conn, summary.sessions_touched, ws.pricer, recap_allowance=0)
    other_before = _row(conn, "sess-2")
    # two more calls in sess-1 only; sess-2's row is then tampered with to prove it is not recomputed
    write_lines(folder / "sess-1.jsonl", [_call(12, 1_200), _call(13, 1_300)], mode="a")
    conn.execute("UPDATE chat_stats SET waste_tokens = -1 WHERE session_id = ?", (other_before["session_id"],))
    summary = ws.scanner.scan()
    assert summary.calls_new == 2
    result = chat_stats.refresh(conn, summary.sessions_touched, ws.pricer, recap_allowance=0)
    assert result.updated == 1 and not result.new_sessions
    row = _row(conn, "sess-1")
    assert (row["calls"], row["last_context"], row["peak_context"]) == (13, 1_300, 1_300)
    assert row["waste_tokens"] == 5_500 + 1_100 + 1_200
    assert row["cost_usd"] == pytest.approx(_cost(conn, "sess-1"))
    assert _row(conn, "sess-2")["waste_tokens"] == -1
    # and an unchanged second scan touches nothing, so a refresh is free
    assert ws.scanner.scan().sessions_touched == set()


def test_recap_allowance_change_makes_rows_stale(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    write_lines(folder / "sess-1.jsonl", [_call(k, 100 * k) for k in range(1, 12)])
    ws.scanner.scan()
    assert len(chat_figures.stale_sessions(conn, 0)) == 1  # nothing computed yet: the 0002 upgrade case
    chat_stats.refresh_stale(conn, ws.pricer, 0)
    assert chat_figures.stale_sessions(conn, 0) == []
    assert len(chat_figures.stale_sessions(conn, 150)) == 1
    chat_stats.refresh_stale(conn, ws.pricer, 150)
    assert _row(conn, "sess-1")["waste_tokens"] == sum(range(50, 851, 100))


def test_a_chat_without_calls_is_not_stale_forever(store) -> None:  # type: ignore[no-untyped-def]
    """A resumed chat whose every call repeats the original's keeps no call, so it never gets figures: it must
    not count as stale, or every start-up, scan and `tokenpulse status` computes it again in a write."""
    conn, ws, folder = store
    lines = [_call(k, 100 * k) for k in range(1, 4)]
    write_lines(folder / "sess-1.jsonl", lines)
    write_lines(folder / "sess-2.jsonl", [ln.replace('"sessionId": "sess-1"', '"sessionId": "sess-2"') for ln in lines])
    ws.scanner.scan()
    sessions = dict(conn.execute("SELECT s.session_key, count(c.id) FROM chat_session s"
                                 " LEFT JOIN api_call c ON c.session_id = s.id GROUP BY s.id"))
    assert sessions == {"sess-1": 3, "sess-2": 0}  # the resume's calls are the original's, counted once
    chat_stats.refresh_stale(conn, ws.pricer, 0)
    assert chat_figures.stale_sessions(conn, 0) == []
    assert len(chat_figures.stale_sessions(conn, 150)) == 1  # another R: the chat with calls only


def test_sub_agent_chat_rolls_up_to_its_parent(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    lines = [_call(k, 1_000 * k) for k in range(1, 4)]
    lines += [_call(k, 500 * k, session="sess-1", sidechain=True, agent_id="a1", text=f"sub {k}")
              for k in range(4, 7)]
    write_lines(folder / "sess-1.jsonl", lines)
    summary = ws.scanner.scan()
    chat_stats.refresh(conn, summary.sessions_touched, ws.pricer, recap_allowance=0)
    parent, child = _row(conn, "sess-1"), _row(conn, "sess-1:a1")
    assert child["parent_id"] == parent["session_id"] and parent["parent_id"] is None
    assert child["first_context"] == 2_000  # a sub-agent's fresh floor is its own first call
    assert parent["family_cost_usd"] == pytest.approx(parent["cost_usd"] + child["cost_usd"])
    assert parent["family_waste_cost_usd"] == pytest.approx(parent["waste_cost_usd"] + child["waste_cost_usd"])


def test_children_stored_before_their_parent_are_adopted(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    write_lines(folder / "sess-1" / "subagents" / "agent-a1.jsonl",
                [_call(k, 500 * k, sidechain=True, agent_id="a1") for k in range(1, 3)])
    chat_stats.refresh(conn, ws.scanner.scan().sessions_touched, ws.pricer, 0)
    assert _row(conn, "sess-1:a1")["parent_id"] is None
    write_lines(folder / "sess-1.jsonl", [_call(k, 1_000 * k) for k in range(3, 5)])
    chat_stats.refresh(conn, ws.scanner.scan().sessions_touched, ws.pricer, 0)
    parent, child = _row(conn, "sess-1"), _row(conn, "sess-1:a1")
    assert child["parent_id"] == parent["session_id"]
    assert parent["family_cost_usd"] == pytest.approx(parent["cost_usd"] + child["cost_usd"])


def test_unknown_model_keeps_waste_tokens_but_no_cost(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.ledger import Cursor, Ledger
    from tokenpulse.usage import ApiCall

    conn = connect(tmp_path / "x.sqlite3")
    try:
        calls = [ApiCall("claude-code", f"k{k}".encode(), "s", 1_000 * k, "mystery-model", input=100 * k)
                 for k in range(1, 4)]
        result = Ledger(conn).commit_file(Cursor("claude-code", "/x.jsonl"), calls, 0)
        pricer = Pricer(lookup=lambda model, day: None)
        chat_stats.refresh(conn, result.sessions, pricer, 0)
        row = conn.execute("SELECT waste_tokens, waste_cost_usd, cost_usd, waste_share FROM chat_stats").fetchone()
        assert row == (100 + 200, None, None, None)
    finally:
        conn.close()


def test_workspace_scan_keeps_chat_stats_current(store) -> None:  # type: ignore[no-untyped-def]
    """The wiring: Workspace.scan refreshes the touched chats without being asked."""
    conn, ws, folder = store
    write_lines(folder / "sess-w.jsonl", [_call(k, 100 * k) for k in range(1, 12)])
    ws.scan()
    row = conn.execute("SELECT calls, first_context, peak_context FROM chat_stats").fetchone()
    assert row == (11, 100, 1100)
