"""`projects --json` and `sessions --json` carry the work read from git, exactly, for real repositories; the
store keeps it between runs (--no-scan shows it without git), and a rebase or a deleted repository is followed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gitrepo import require_git
from helpers import cli_env, cli_json, run_cli
from work_world import World, build, delete_gone, rebase_beta

WORK = ("commits", "lines_added", "lines_removed", "files_changed")
ALPHA = (6, 27, 0, 7)
BETA = (4, 14, 0, 4)
NONE = (None, None, None, None)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    require_git()
    w = build(tmp_path)
    cli_env(monkeypatch, tmp_path, claude=w.claude)
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(name, w.env[name])
    return w


def _work(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[k] for k in WORK)


def _projects(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, tuple[object, ...]]:
    return {str(r["project"]): _work(r) for r in cli_json(capsys, "projects", *args)}


def _sessions(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, tuple[object, ...]]:
    return {str(r["session"]): _work(r) for r in cli_json(capsys, "sessions", *args)}


def test_projects_json_carries_each_folders_repository_figures(world: World,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    alpha, beta = str(world.alpha.path), str(world.beta.path)
    assert _projects(capsys) == {
        alpha: ALPHA, f"{alpha}/src": ALPHA, str(world.worktree): ALPHA,  # a sub-folder and a worktree: alpha's
        beta: BETA, str(world.gone): (1, 9, 0, 1), str(world.plain): NONE}
    # the store keeps them: without a scan (no git run) the same figures
    assert _projects(capsys, "--no-scan")[alpha] == ALPHA


def test_sessions_json_carries_the_commits_made_while_each_chat_ran(world: World,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert _sessions(capsys) == {
        "a1": (1, 10, 0, 1),  # 12:50–13:10, and 30 minutes after: the 13:00 commit (not someone else's at 14:00)
        "a2": (1, 6, 0, 1),  # in alpha/src, 16:45–16:50: the merge at 17:00, its first-parent diff, once
        "w1": (1, 3, 0, 1),  # in the worktree at 18:55: its branch's commit at 19:00
        "b1": (1, 4, 0, 1),  # 12:30: the commit at 13:00 is on the window's edge, included
        "g1": (1, 9, 0, 1),  # gone still exists here (its deletion is followed in another test)
        "p1": NONE}


def test_a_range_narrows_the_work_to_its_days(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.alpha.commit({"late.txt": "x\n" * 5}, at=world.alpha.clock + 3 * 86_400)  # 2026-01-04
    rows = _projects(capsys, "--since", "2026-01-01", "--until", "2026-01-01")
    assert rows[str(world.alpha.path)] == ALPHA
    # a range with calls in beta only: beta's commits of those days; alpha is not listed (no calls)
    rows = _projects(capsys, "--since", "2026-01-02")
    assert rows == {}  # no calls after the 1st: no rows at all
    code, out, _err = run_cli(capsys, "projects", "--no-scan")
    assert code == 0 and "7 (+32/-0)" in out  # the table: alpha's 7 commits over the whole range


def test_a_rebase_and_a_deleted_repository_are_followed(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert _projects(capsys)[str(world.gone)] == (1, 9, 0, 1)
    rebase_beta(world)
    delete_gone(world)
    rows = _projects(capsys)
    assert rows[str(world.beta.path)] == BETA  # re-read, not counted twice
    assert rows[str(world.gone)] == NONE
    db = Path(world.root / "data" / "tokenpulse.sqlite3")
    conn = sqlite3.connect(db)
    try:
        labels = [r[0] for r in conn.execute("SELECT label FROM git_repo ORDER BY label")]
        assert labels == [str(world.alpha.path), str(world.beta.path)]  # gone's repository and commits dropped
        per_repo = dict(conn.execute("SELECT r.label, count(*) FROM git_commit c JOIN git_repo r ON r.id = c.repo_id"
                                     " GROUP BY r.label"))
        assert per_repo == {str(world.alpha.path): 6, str(world.beta.path): 4}
        assert conn.execute("SELECT repo_id FROM project_repo WHERE project = ?", (str(world.gone),)).fetchone() \
            == (None,)
    finally:
        conn.close()


def _rows(out: str) -> list[str]:
    """The table's lines from the header to the totals (not the notes under it)."""
    lines = out.splitlines()
    return lines[:next(i for i, line in enumerate(lines) if line.startswith("Total")) + 1]


def test_tables_show_the_work_compactly(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "projects")  # 80 columns: the work is kept (cache reads may go)
    assert code == 0, err
    lines = _rows(out)
    assert "Commits (+/-)" in lines[0] and max(map(len, lines)) <= 80
    plain = next(i for i, line in enumerate(lines) if line.endswith("/plain"))  # a long folder: its own line
    assert lines[plain + 1].rstrip().endswith("–")  # not a repository: no figures, not zero
    # the total counts alpha once, though three of its folders are listed
    assert lines[-1].rstrip().endswith(f"{6 + 4 + 1} (+{27 + 14 + 9}/-0)")
    code, out, err = run_cli(capsys, "sessions", "--wide")
    assert code == 0, err
    assert "Commits (+/- lines)" in out.splitlines()[0]
    a2 = next(line for line in out.splitlines() if " a2 " in line)
    assert a2.rstrip().endswith("1 (+6/-0)")


def test_problems_are_said_in_plain_words_and_the_report_still_runs(
        world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(world.root / "no-bin"))  # no git at all
    code, out, err = run_cli(capsys, "projects")
    assert code == 0
    assert "no work figures: git is not installed" in err
    rows = _rows(out)[2:-2]  # under the header and its rule, above the totals' rule and the totals
    figures = [line for line in rows if line.startswith(" ")]  # each folder stands on a line of its own above
    assert len(figures) == 6  # the calls are reported, with no work figures for any folder (not zeros)
    assert all(line.endswith("–") for line in figures)
