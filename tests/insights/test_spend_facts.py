"""Where the money went: a chat's quarter-hours add up to its figures; the three facts' definitions; the stored
waste_rollup and waste_quarter after scans (sums over chats, chats counted at once, a recap change)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import CLAUDE_MODEL, claude_line, write_lines
from tokenpulse.insights import chat_stats
from tokenpulse.insights.spend_facts import (
    IDLE_GAP_MS,
    LONG_CONTEXT_TOKENS,
    QUARTER_MS,
    active_ms,
    quarter_hours,
)
from tokenpulse.insights.waste import CallPoint, chat_figures

MIN = 60_000
HOUR = 60 * MIN
T = 1_772_359_200_000  # 2026-03-01 10:00 UTC, on a quarter-hour


def test_a_chats_quarter_hours_add_up_to_its_figures() -> None:
    points = [CallPoint(10_000 + 3_000 * k, 1e-6, 0.01, T + 4 * MIN * k, 9_000 + 3_000 * k) for k in range(13)]
    quarters = quarter_hours(points, recap_allowance=2_000)
    figures = chat_figures(points, recap_allowance=2_000)
    assert [q.bucket_ms for q in quarters] == [T, T + QUARTER_MS, T + 2 * QUARTER_MS, T + 3 * QUARTER_MS]
    assert [q.calls for q in quarters] == [4, 4, 4, 1]  # calls at 0…12 | 16…28 | 32…44 | 48 minutes
    assert sum(q.waste_tokens for q in quarters) == figures.waste_tokens
    assert sum(q.waste_cost or 0 for q in quarters) == pytest.approx(figures.waste_cost)
    assert sum(q.read_cost or 0 for q in quarters) == pytest.approx(sum(p.cache_read for p in points) * 1e-6)


def test_long_context_spend_counts_only_calls_above_150k() -> None:
    points = [CallPoint(LONG_CONTEXT_TOKENS, 1e-6, 0.1, T, 100_000),
              CallPoint(LONG_CONTEXT_TOKENS + 1, 1e-6, 0.1, T + MIN, 120_000)]
    (q,) = quarter_hours(points, 0)
    assert q.read_cost == pytest.approx(220_000e-6)
    assert q.long_context_read_cost == pytest.approx(120_000e-6)  # exactly 150 k is not "more than"


def test_active_time_leaves_out_idle_gaps() -> None:
    assert active_ms([0, 10 * MIN, 20 * MIN]) == 20 * MIN
    assert active_ms([0, IDLE_GAP_MS, IDLE_GAP_MS + 1 + IDLE_GAP_MS]) == IDLE_GAP_MS  # the second gap is idle
    assert active_ms([0, 0, 5]) == 5


def test_a_chat_active_over_8_hours_puts_all_its_read_spend_in_the_long_chat_fact() -> None:
    every_20_min = [CallPoint(5_000, 1e-6, 0.01, T + 20 * MIN * k, 4_000) for k in range(26)]  # 8 h 20 min
    assert all(q.long_chat_read_cost == q.read_cost for q in quarter_hours(every_20_min, 0))
    with_a_night = every_20_min[:13] + [CallPoint(5_000, 1e-6, 0.01, p.ts_ms + 10 * HOUR, 4_000)
                                        for p in every_20_min[13:]]  # two 4-hour sittings
    assert all(q.long_chat_read_cost == 0.0 for q in quarter_hours(with_a_night, 0))


def test_unknown_prices_stay_unknown_per_quarter_hour() -> None:
    (q,) = quarter_hours([CallPoint(1_000, None, None, T, 900), CallPoint(9_000, None, None, T + MIN, 8_900)], 0)
    assert q.waste_tokens == 8_000
    assert (q.waste_cost, q.read_cost, q.long_context_read_cost, q.long_chat_read_cost) == (None,) * 4


# --- the stored tables --------------------------------------------------------------------------------

T0 = "2026-03-01T10:{:02d}:00.000Z"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[sqlite3.Connection, object, Path]]:
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    claude = tmp_path / "claude"
    ws = Workspace(resolve(tmp_path / "home"), env={"CLAUDE_CONFIG_DIR": str(claude)}, home=tmp_path)
    try:
        yield ws.conn, ws, claude / "projects" / "-home-u-proj"
    finally:
        ws.close()


def _chat(folder: Path, session: str, minutes: list[int], context: int = 20_000, file: str | None = None,
          **kw: object) -> None:
    write_lines(folder / (file or f"{session}.jsonl"), [
        claude_line(msg_id=f"m-{file or session}-{k}", req_id=f"r-{file or session}-{k}", input=10, cache_read=context * (k + 1),
                    ts=T0.format(m), session=session, **kw) for k, m in enumerate(minutes)])


def _quarters(conn: sqlite3.Connection) -> dict[int, tuple[object, ...]]:
    return {r[0]: r[1:] for r in conn.execute(
        "SELECT bucket_ms, chats, calls, waste_tokens, waste_cost_usd, read_cost_usd FROM waste_quarter")}


def test_scans_store_each_chats_quarter_hours_and_their_sums(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    for name in ("a", "b", "c"):
        _chat(folder, name, [1, 5, 20])
    _chat(folder, "a", [2, 3], file="a/subagents/agent-x1.jsonl", sidechain=True, agent_id="x1")
    ws.scan()
    per_chat = conn.execute("SELECT count(*), sum(waste_tokens), sum(waste_cost_usd) FROM waste_rollup").fetchone()
    stats = conn.execute("SELECT sum(waste_tokens), sum(waste_cost_usd) FROM chat_stats").fetchone()
    assert per_chat[0] == 3 * 2 + 1  # three chats in two quarter-hours, the sub-agent in one
    assert per_chat[1:] == (stats[0], pytest.approx(stats[1]))  # the quarter-hours add up to the chats
    quarters = _quarters(conn)
    assert len(quarters) == 2
    first, second = (quarters[b] for b in sorted(quarters))
    assert first[:2] == (3, 8)  # three chats at once (the sub-agent is not one), eight calls
    assert second[:2] == (3, 3)
    read = ws.pricer.rates(CLAUDE_MODEL, "2026-03-01").cache_read_per_token()
    stored = conn.execute("SELECT sum(cache_read) FROM api_call").fetchone()[0]
    assert sum(q[4] for q in quarters.values()) == pytest.approx(stored * read)


def test_a_later_scan_and_a_new_recap_allowance_update_the_sums(store) -> None:  # type: ignore[no-untyped-def]
    conn, ws, folder = store
    _chat(folder, "a", [1, 5])
    ws.scan()
    before = _quarters(conn)
    _chat(folder, "a", [1, 5, 7, 40])  # the log grows: one more call in the first quarter-hour, one later
    ws.scan()
    after = _quarters(conn)
    assert len(before) == 1 and len(after) == 2
    assert after[min(after)][1] == 3 and after[max(after)][1] == 1
    chat_stats.refresh(conn, [1], ws.pricer, recap_allowance=0)  # R changed: more of each call is waste
    assert sum(q[2] for q in _quarters(conn).values()) == conn.execute(
        "SELECT waste_tokens FROM chat_stats").fetchone()[0] > sum(q[2] for q in after.values())


def test_an_upgraded_store_without_quarter_hours_is_filled_at_start_up(store) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.config.settings import Settings
    from tokenpulse.insights.hooks import bring_up_to_date
    from tokenpulse.store.tx import write_tx

    conn, ws, folder = store
    _chat(folder, "a", [1, 5, 20])
    ws.scan()
    full = _quarters(conn)
    with write_tx(conn):  # as after the 0006 migration: figures there, quarter-hours not yet
        conn.execute("DELETE FROM waste_rollup")
        conn.execute("DELETE FROM waste_quarter")
    bring_up_to_date(conn, ws.pricer, Settings())
    assert _quarters(conn) == full
