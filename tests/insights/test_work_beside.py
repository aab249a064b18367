"""Work beside tokens on a real store and real repositories: per project and day, per chat, exact figures."""

from __future__ import annotations

import shutil
from calendar import timegm
from pathlib import Path
from time import strptime
from zoneinfo import ZoneInfo

import pytest

from gitrepo import OTHER, Repo, git_env, lines, require_git
from helpers import CLAUDE_MODEL, claude_line, write_lines
from tokenpulse.insights import chat_work, spend_days, work_beside
from tokenpulse.insights.spend_days import DaySpend
from tokenpulse.store.queries import Filter
from tokenpulse.work.figures import CommitFigures, WorkSum
from tokenpulse.work.reader import WorkReader, WorkScan

UTC = ZoneInfo("UTC")


def _at(text: str) -> int:
    return timegm(strptime(text, "%Y-%m-%d %H:%M"))


def _iso(text: str) -> str:
    return text.replace(" ", "T") + ":00.000Z"


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A repository with a worktree, a plain folder, a deleted repository, and chats in each; scanned."""
    require_git()
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    env = git_env(tmp_path / "home")
    repo = Repo(tmp_path / "proj", env)
    repo.commit({"old.txt": lines(50)}, at=_at("2026-02-20 09:00"))  # before the horizon: never read
    repo.commit({"a.txt": lines(5)}, at=_at("2026-03-01 10:20"))  # during chat s1
    repo.commit({"b.txt": lines(4)}, author=OTHER, at=_at("2026-03-01 11:00"))  # someone else's
    repo.commit({"a.txt": lines(7)}, at=_at("2026-03-01 10:50"))  # after s1's 30-minute tail
    repo.commit({"c.txt": lines(3)}, at=_at("2026-03-02 12:00"))  # a day with commits and no agent use
    worktree = tmp_path / "proj-wt"
    repo.git("worktree", "add", "-q", "-b", "feature", str(worktree))
    plain = tmp_path / "plain"
    plain.mkdir()
    gone = Repo(tmp_path / "gone", env)
    gone.commit({"g.txt": lines(9)}, at=_at("2026-03-01 10:30"))
    shutil.rmtree(gone.path)  # deleted after its chats

    claude = tmp_path / "claude" / "projects"
    write_lines(claude / "p1" / "s1.jsonl", [
        claude_line(msg_id="m1", req_id="r1", input=1000, output=100, ts=_iso("2026-03-01 10:00"), session="s1",
                    cwd=str(repo.path)),
        claude_line(msg_id="m2", req_id="r2", input=10, cache_read=19_990, output=300,
                    ts=_iso("2026-03-01 10:05"), session="s1", cwd=str(repo.path))])
    write_lines(claude / "p2" / "s2.jsonl", [
        claude_line(msg_id="m3", req_id="r3", input=50, output=40, ts=_iso("2026-03-03 09:00"), session="s2",
                    cwd=str(worktree))])
    write_lines(claude / "p3" / "s3.jsonl", [
        claude_line(msg_id="m4", req_id="r4", input=20, output=7, ts=_iso("2026-03-01 10:00"), session="s3",
                    cwd=str(plain))])
    write_lines(claude / "p4" / "s4.jsonl", [
        claude_line(msg_id="m5", req_id="r5", input=20, output=9, ts=_iso("2026-03-01 10:10"), session="s4",
                    cwd=str(gone.path))])
    ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(tmp_path / "claude")},
                   home=tmp_path / "nohome")
    ws.scan()
    scan = WorkReader(env=env).refresh(spend_days.folders(ws.conn), {}, spend_days.first_call_per_folder(ws.conn))
    try:
        yield ws, scan, repo, worktree, plain, gone.path
    finally:
        ws.close()


def test_per_project_and_day(world) -> None:  # type: ignore[no-untyped-def]
    ws, scan, repo, worktree, plain, gone = world
    spend = spend_days.spend_by_folder_day(ws.conn, UTC, Filter(), ws.pricer)
    days = work_beside.project_days(spend, scan, UTC)
    proj = str(repo.path)
    got = {(d.project, d.day): (d.spend.calls, d.spend.output_tokens, d.work) for d in days}
    assert got == {
        (proj, "2026-03-01"): (2, 400, WorkSum(2, 7, 0, 2)),
        (proj, "2026-03-02"): (0, 0, WorkSum(1, 3, 0, 1)),
        (proj, "2026-03-03"): (1, 40, WorkSum()),
        (str(plain), "2026-03-01"): (1, 7, None),
        (str(gone), "2026-03-01"): (1, 9, None),
    }
    read = ws.pricer.rates(CLAUDE_MODEL, "2026-03-01").cache_read_per_token()
    first = next(d for d in days if d.project == proj and d.day == "2026-03-01")
    assert first.spend.waste_tokens == 20_000 - 1_000 - 5_000  # context beyond the fresh floor and recap
    assert first.spend.waste_cost_usd == pytest.approx(14_000 * read)

    totals = {p.project: p for p in work_beside.project_totals(days, scan)}
    p = totals[proj]
    assert p.folders == (proj, str(worktree))
    assert p.work == WorkSum(3, 10, 0, 3)
    assert (p.spend.calls, p.spend.output_tokens) == (3, 440)
    assert p.days_with_commits_no_agents == ("2026-03-02",)
    assert p.days_with_agents_no_commits == ("2026-03-03",)
    assert p.cost_per_commit.denominator == 3 and p.cost_per_commit.value == pytest.approx(p.spend.cost_usd / 3)
    assert p.output_per_changed_line.as_dict("output_tokens", "lines_changed") == {
        "value": 44.0, "output_tokens": 440, "lines_changed": 10}
    assert totals[str(plain)].work is None and totals[str(plain)].as_dict()["commits"] is None
    assert totals[str(gone)].work is None
    assert work_beside.overall_days(days) == (["2026-03-02"], ["2026-03-03"])


def test_a_range_narrows_both_sides(world) -> None:  # type: ignore[no-untyped-def]
    ws, scan, repo, *_ = world
    flt = Filter(since_ms=_at("2026-03-02 00:00") * 1000, until_ms=_at("2026-03-03 00:00") * 1000)
    days = work_beside.project_days(spend_days.spend_by_folder_day(ws.conn, UTC, flt, ws.pricer), scan, UTC,
                                    flt.since_ms, flt.until_ms)
    assert [(d.project, d.day, d.spend.calls, d.work) for d in days] == [
        (str(repo.path), "2026-03-02", 0, WorkSum(1, 3, 0, 1))]
    assert work_beside.folder_work(str(repo.path), scan, flt.since_ms, flt.until_ms) == WorkSum(1, 3, 0, 1)


def test_days_follow_the_time_zone(world) -> None:  # type: ignore[no-untyped-def]
    ws, scan, repo, *_ = world
    tokyo = ZoneInfo("Asia/Tokyo")  # +9: the 2026-03-02 12:00 UTC commit is on the 2nd, 21:00 local
    days = work_beside.project_days(spend_days.spend_by_folder_day(ws.conn, tokyo, Filter(), ws.pricer), scan,
                                    tokyo)
    mine = {d.day: d.work for d in days if d.project == str(repo.path)}
    assert mine == {"2026-03-01": WorkSum(2, 7, 0, 2), "2026-03-02": WorkSum(1, 3, 0, 1),
                    "2026-03-03": WorkSum()}


def test_per_chat_commits_from_first_call_to_thirty_minutes_after_the_last(world) -> None:  # type: ignore[no-untyped-def]
    ws, scan, *_ = world
    ids = {key: sid for sid, key in ws.conn.execute("SELECT id, session_key FROM chat_session")}
    spans = chat_work.spans_from(spend_days.chat_spans(ws.conn, list(ids.values())))
    got = {key: chat_work.chats_work(spans, scan)[sid] for key, sid in ids.items()}
    # s1: 10:00–10:05 (+30 min) holds the 10:20 commit, not the 10:50 one, nor someone else's at 11:00
    assert got == {"s1": WorkSum(1, 5, 0, 1), "s2": WorkSum(), "s3": None, "s4": None}


def test_window_edges_are_included() -> None:
    tail = chat_work.CHAT_TAIL_MS
    commits = [CommitFigures("a" * 40, 1_000, 1, 0, 1), CommitFigures("b" * 40, 3_000, 2, 0, 1),
               CommitFigures("c" * 40, 999, 4, 0, 1), CommitFigures("d" * 40, 5_000 + tail, 8, 0, 1),
               CommitFigures("e" * 40, 5_001 + tail, 16, 0, 1)]
    assert chat_work.work_in_window(commits, 1_000, 5_000) == WorkSum(3, 11, 0, 3)


def test_ratios_say_unknown_rather_than_divide_by_zero() -> None:
    scan = WorkScan(repo_of={"/r": "/r/.git"}, labels={"/r/.git": "/r"})
    from tokenpulse.work.figures import RepoState

    scan.repos["/r/.git"] = RepoState("/r/.git", (), "", "", (), None, {})
    days = work_beside.project_days({("/r", "2026-03-01"): DaySpend(2, 50, None, 2)}, scan, UTC)
    (p,) = work_beside.project_totals(days, scan)
    assert p.cost_per_commit.value is None and p.output_per_changed_line.value is None
    assert p.as_dict()["cost_per_commit"] == {"value": None, "cost_usd": None, "commits": 0}
