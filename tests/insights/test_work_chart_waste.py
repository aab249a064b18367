"""Long-chat waste per project and day beside the work (insights.work_chart): a day's waste is its chats' own
waste figures (chat_stats), a long-context call priced at its tier as the chats price it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import claude_line, write_lines
from tokenpulse.insights import chart_chats, work_chart
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.pricing.resolve import lookup

UTC = ZoneInfo("UTC")
SONNET = "claude-sonnet-4-5-20250929"
DAYS = DayRange(date(2026, 3, 1), date(2026, 3, 3))
# (chat, folder, day, [(input, cache_write, cache_read)]): each call's context grows past the fresh floor
CHATS = [
    ("x", "/home/u/alpha", "01", [(1_000, 2_000, 0), (100, 5_000, 3_000), (100, 0, 20_000)]),
    ("y", "/home/u/alpha", "02", [(100, 2_000, 0), (10, 500, 249_000)]),  # 249,510: sonnet's long-context tier
    ("z", "/home/u/alpha", "02", [(100, 1_000, 0), (100, 0, 30_000)]),
    ("s", "/home/u/alpha/sub", "02", [(100, 1_000, 0), (100, 0, 9_000)]),
    ("b", "/home/u/beta", "03", [(100, 1_000, 0), (100, 2_000, 40_000), (100, 0, 60_000)]),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[object]:
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    claude = tmp_path / "claude"
    for chat, folder, day, calls in CHATS:
        write_lines(claude / "projects" / chat / f"{chat}.jsonl", [
            claude_line(msg_id=f"{chat}{k}", req_id=f"{chat}{k}", input=i, cache_write=cw, cache_read=cr, output=50,
                        model=SONNET, ts=f"2026-03-{day}T10:{k:02d}:00.000Z", session=chat, cwd=folder)
            for k, (i, cw, cr) in enumerate(calls)])
    ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(claude)}, home=tmp_path / "nohome")
    ws.scan()
    try:
        yield ws
    finally:
        ws.close()


def _chat_waste(conn, key: str) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    tokens, cost = conn.execute("SELECT t.waste_tokens, t.waste_cost_usd FROM chat_stats t JOIN chat_session s"
                                " ON s.id = t.session_id WHERE s.session_key = ?", (key,)).fetchone()
    return int(tokens), float(cost)


def test_a_days_waste_is_its_chats_waste(store) -> None:  # type: ignore[no-untyped-def]
    conn = store.conn  # type: ignore[attr-defined]
    data = work_chart.work_beside(conn, UTC, DAYS)
    for folder in {f for _c, f, _d, _calls in CHATS}:
        p = data.projects[folder]
        for i, day in enumerate(DAYS.days()):
            chats = [c for c, f, d, _calls in CHATS if f == folder and f"2026-03-{d}" == day]
            waste = [_chat_waste(conn, c) for c in chats]
            assert p.waste_tokens[i] == sum(t for t, _ in waste), (folder, day)
            if waste:
                assert p.waste_cost[i] == pytest.approx(sum(c for _, c in waste), rel=1e-12), (folder, day)
            else:
                assert p.waste_cost[i] is None
    alpha = data.projects["/home/u/alpha"]
    assert alpha.waste_tokens[0] == (8_100 - 3_000 - 5_000) + (20_100 - 3_000 - 5_000)  # beyond floor and recap
    assert alpha.waste_tokens[1] > 0 and alpha.total_waste_tokens == sum(alpha.waste_tokens)
    # the long-context call's waste is priced at its tier, as the chat's own figures price it
    rates = lookup(SONNET, "2026-03-02")
    assert rates is not None and rates.cache_read[1]
    y_tokens, y_cost = _chat_waste(conn, "y")
    assert y_cost == pytest.approx(y_tokens * rates.cache_read_at(249_510), rel=1e-9)
    assert y_cost > y_tokens * rates.cache_read_per_token()


def test_the_range_waste_equals_the_projects_table(store) -> None:  # type: ignore[no-untyped-def]
    conn = store.conn  # type: ignore[attr-defined]
    data = work_chart.work_beside(conn, UTC, DAYS)
    listed = {p.name: p for p in chart_chats.projects(conn, UTC, DAYS)}
    assert set(listed) == set(data.projects)
    for name, p in data.projects.items():
        assert p.total_waste_cost == pytest.approx(listed[name].waste_cost, rel=1e-12), name


def test_the_csv_rows_are_the_query(store) -> None:  # type: ignore[no-untyped-def]
    """Folders outside a repository: spend and waste per day, work cells empty (never 0)."""
    conn = store.conn  # type: ignore[attr-defined]
    data = work_chart.work_beside(conn, UTC, DAYS)
    head, rows = work_chart.beside_table(data)
    col = {name: k for k, name in enumerate(head)}
    alpha = data.projects["/home/u/alpha"]
    by_key = {(r[col["project"]], r[col["day"]]): r for r in rows}
    whole = by_key[("/home/u/alpha", "range")]
    assert whole[col["calls"]] == sum(alpha.calls) == 7 and whole[col["output"]] == 350
    assert whole[col["waste_tokens"]] == alpha.total_waste_tokens
    assert whole[col["waste_cost_usd"]] == round(alpha.total_waste_cost, 6)
    assert whole[col["commits"]] == "" and whole[col["cost_per_commit_usd"]] == ""
    day2 = by_key[("/home/u/alpha", "2026-03-02")]
    assert day2[col["waste_tokens"]] == alpha.waste_tokens[1] and day2[col["calls"]] == 4
    assert ("/home/u/alpha", "2026-03-03") not in by_key  # a day with neither calls nor commits
