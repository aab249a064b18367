"""The charts' work data (Qt-free) on a real store with real repositories: work beside spend per project and
day, commits per day, a chat's commits and where they sit on its curve; equal to what the CLI reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gitrepo import require_git
from helpers import cli_env, run_cli
from tokenpulse.insights import work_chart
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.work.figures import WorkSum
from tokenpulse.work.reader import WorkReader
from work_world import T0, H, World, build

UTC = ZoneInfo("UTC")
DAYS = DayRange(date(2025, 12, 31), date(2026, 1, 2))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, object]]:
    require_git()
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    w = build(tmp_path)
    ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(w.claude)}, home=tmp_path / "nohome",
                   settings=None)
    ws.work_reader = WorkReader(env=w.env)
    ws.scan()
    ws.refresh_work()
    try:
        yield w, ws
    finally:
        ws.close()


def test_work_beside_spend_per_project_and_day(world) -> None:  # type: ignore[no-untyped-def]
    w, ws = world
    data = work_chart.work_beside(ws.conn, UTC, DAYS)
    alpha = str(w.alpha.path)
    assert data.read and data.days == ["2025-12-31", "2026-01-01", "2026-01-02"]
    assert sorted(data.projects) == sorted([alpha, str(w.beta.path), str(w.gone), str(w.plain)])
    a = data.projects[alpha]
    assert a.folders == sorted([alpha, f"{alpha}/src", str(w.worktree)])  # one repository, three folders
    assert data.of_folder(str(w.worktree)) is a and data.of_folder(f"{alpha}/src") is a
    assert a.calls == [0, 5, 0] and a.output == [0, 500, 0]  # a1 (2 calls), a2 (2), w1 (1)
    assert a.work == [WorkSum(), WorkSum(6, 27, 0, 7), WorkSum()]
    assert a.total_work == WorkSum(6, 27, 0, 7)
    assert a.output_per_changed_line.value == pytest.approx(500 / 27)
    assert a.cost_per_commit.denominator == 6 and a.cost_per_commit.numerator == a.total_cost
    assert a.days_with_agents_no_commits == [] and a.days_with_commits_no_agents == []
    plain = data.projects[str(w.plain)]
    assert plain.work is None and plain.total_work is None and plain.cost_per_commit.value is None
    # a day with commits and no agent use is shown, without judgement
    w.beta.commit({"late.txt": "x\n"}, at=T0 + 24 * H)  # 2026-01-02 12:00
    ws.refresh_work()
    beta = work_chart.work_beside(ws.conn, UTC, DAYS).projects[str(w.beta.path)]
    assert beta.days_with_commits_no_agents == ["2026-01-02"]
    assert beta.total_work == WorkSum(5, 15, 0, 5)


def test_the_charts_and_the_cli_agree(world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                      capsys: pytest.CaptureFixture[str]) -> None:
    w, ws = world
    data = work_chart.work_beside(ws.conn, UTC, DAYS)
    ws.close()
    cli_env(monkeypatch, tmp_path, claude=w.claude)
    code, out, err = run_cli(capsys, "projects", "--json", "--no-scan", "--since", "2025-12-31", "--until",
                             "2026-01-02")
    assert code == 0, err
    for row in json.loads(out):
        p = data.of_folder(row["project"])
        assert p is not None
        total = p.total_work
        assert (row["commits"], row["lines_added"]) == ((total.commits, total.lines_added) if total else (None, None))


def test_commits_per_day_count_each_repository_once(world) -> None:  # type: ignore[no-untyped-def]
    w, ws = world
    days = work_chart.commits_per_day(ws.conn, UTC, DAYS)
    assert days.repositories == 3
    assert days.commits == [0, 6 + 4 + 1, 0]  # alpha (three folders, counted once), beta, gone
    assert days.lines_added == [0, 27 + 14 + 9, 0]
    tokyo = work_chart.commits_per_day(ws.conn, ZoneInfo("Asia/Tokyo"), DAYS)  # +9: 13:00–19:00 UTC is 22:00–04:00
    assert tokyo.commits == [0, 2 + 1 + 1, 4 + 3]  # up to 14:00 UTC on the 1st, the rest on the 2nd


def test_a_chats_commits_and_where_they_sit_on_its_curve(world) -> None:  # type: ignore[no-untyped-def]
    w, ws = world
    ids = {key: sid for sid, key in ws.conn.execute("SELECT id, session_key FROM chat_session")}
    a1 = work_chart.chat_commits(ws.conn, ids["a1"])
    assert a1.repository == str(w.alpha.path) and a1.times_ms == [(T0 + H) * 1000]
    assert a1.total == WorkSum(1, 10, 0, 1)
    assert work_chart.chat_commits(ws.conn, ids["p1"]).total is None  # not a repository
    calls = [(T0 + 50 * 60) * 1000, (T0 + 70 * 60) * 1000]  # a1's calls: 12:50 and 13:10
    assert work_chart.call_positions(calls, a1.times_ms) == [pytest.approx(1.5)]  # halfway between them
    # after the last call: within one step past it, in proportion to the 30-minute tail
    assert work_chart.call_positions(calls, [calls[1] + 15 * 60_000, calls[1] + 30 * 60_000]) == [2.5, 3.0]
    assert work_chart.call_positions(calls, [calls[0]]) == [1.0]
    assert work_chart.call_positions([], [5]) == [1.0]


def test_a_store_without_work_shows_none(tmp_path: Path) -> None:
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(tmp_path / "none")},
                   home=tmp_path / "nohome")
    try:
        assert work_chart.commits_per_day(ws.conn, UTC, DAYS).repositories == 0
        assert work_chart.work_beside(ws.conn, UTC, DAYS).projects == {}
        assert work_chart.chat_commits(ws.conn, 1).total is None
    finally:
        ws.close()
