"""Every column that can hold a path follows the project-path setting when published: the chats' projects, and
the work read from git too (the repositories' folders and git directories, the project folders' repositories,
git's configuration files under the home folder). Walked over every TEXT column of every published table, so a
column added later is covered without naming it; and the published copy's joins still match after shortening."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sync_helpers import Device

from gitrepo import require_git
from tokenpulse.quota import ContextWindowSeen, LimitHit, LimitRecords, LimitSnapshot
from tokenpulse.store.sync.layout import LEDGER
from tokenpulse.store.sync.publish import PRIVATE_TABLES, project_label
from work_world import World, build


def _device(tmp_path: Path, shared: Path, mode: str) -> tuple[Device, World]:
    """A device whose chats ran in real repositories (the work world), with its work read from git, limits and a
    reminder stored: every table holds rows."""
    from tokenpulse.insights import work_refresh
    from tokenpulse.store import limits, reminders

    require_git()
    world = build(tmp_path / "machine")
    d = Device(tmp_path, "laptop", shared, project_paths=mode)
    d.claude = world.claude
    d.add_calls(5, seed=7)  # chats under /home/laptop/... too (no repository there)
    ws = d.workspace()
    try:
        assert ws.scan() is not None
        now = d.clock.now_ms()
        scan = work_refresh.refresh(ws.conn, work_refresh.reader((), env=world.env), now)
        assert scan.repos, scan.problems  # the git tables are filled
        limits.write_records(ws.conn, LimitRecords(
            [LimitSnapshot("codex", 300, 40.0, now - 60_000, now + 3_600_000, "plus")],
            [LimitHit("codex", now - 30_000, "usage_limit_exceeded", 300, now + 3_600_000, "s-1")],
            [ContextWindowSeen("codex", "s-1", "gpt-5.2-codex", 272_000, now)]))
        reminders.log_shown(ws.conn, key="fresh_chat:1:1", rule="fresh_chat", title="t",
                            body=f"in {world.alpha.path}", session_id=None, project=str(world.alpha.path),
                            shown_ms=now)
    finally:
        ws.close()
    assert d.sync().publish_problem is None
    return d, world


def _text_values(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """{table.column: its text values} for every column of every table holding text."""
    out: dict[str, list[str]] = {}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        for col in [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]:
            out[f"{table}.{col}"] = [v for (v,) in conn.execute(f'SELECT "{col}" FROM {table}')
                                     if isinstance(v, str)]
    return out


def _published(d: Device) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{d.folder() / LEDGER}?mode=ro", uri=True)


@pytest.mark.parametrize("mode", ["folder", "hashed"])
def test_no_full_path_in_any_published_text(tmp_path: Path, shared: Path, mode: str) -> None:
    d, world = _device(tmp_path, shared, mode)
    secrets = (str(tmp_path), "/home/laptop", world.env["HOME"], ".gitconfig")
    conn = _published(d)
    try:
        values = _text_values(conn)
        filled = {t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")
                  if conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]}
    finally:
        conn.close()
    for table in ("git_repo", "git_commit", "project_repo", "chat_session", "limit_snapshot", "limit_hit",
                  "context_window", "source_health"):
        assert table in filled, table  # the walk below sees real rows
    assert not filled & set(PRIVATE_TABLES)
    leaks = {(col, v) for col, vs in values.items() for v in vs for s in secrets if s in v}
    assert not leaks
    raw = (d.folder() / LEDGER).read_bytes()
    for s in secrets:
        assert s.encode() not in raw, s  # nor in a free page


def test_as_they_are_publishes_the_paths(tmp_path: Path, shared: Path) -> None:
    """The walk above would see a path: with "as they are" the same columns hold the full paths."""
    d, world = _device(tmp_path, shared, "full")
    conn = _published(d)
    try:
        values = _text_values(conn)
    finally:
        conn.close()
    assert str(world.alpha.path) in values["project_repo.project"]
    assert str(world.alpha.path) in values["git_repo.label"]
    assert any(str(tmp_path) in v for v in values["git_repo.git_dir"])


def _repo_of_chats(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """{chat's project: (its repository's label, the repository's commits)} through the published joins."""
    rows = conn.execute(
        "SELECT DISTINCT s.project, r.label, (SELECT count(*) FROM git_commit c WHERE c.repo_id = r.id)"
        " FROM chat_session s JOIN project_repo p ON p.project = s.project JOIN git_repo r ON r.id = p.repo_id")
    return {project: (label, n) for project, label, n in rows}


@pytest.mark.parametrize("mode", ["folder", "hashed"])
def test_the_published_joins_still_match(tmp_path: Path, shared: Path, mode: str) -> None:
    """A chat's project finds its repository in the published copy as it does at home, shortened alike."""
    from tokenpulse.store import git_work

    d, _world = _device(tmp_path, shared, mode)
    ws = d.workspace()
    try:
        home = _repo_of_chats(ws.conn)
    finally:
        ws.close()
    conn = _published(d)
    try:
        published = _repo_of_chats(conn)
        scan = git_work.load(conn, lazy=False)  # what a reader of the copy gets: every folder's repository held
    finally:
        conn.close()
    assert len(home) == 5  # alpha, alpha/src, the worktree, beta, gone
    assert published == {project_label(p, mode): (project_label(label, mode), n) for p, (label, n) in home.items()}
    assert set(published) <= set(scan.repo_of)
    assert all(key in scan.repos for key in scan.repo_of.values() if key is not None)


def test_folders_sharing_a_name_publish_one_row(tmp_path: Path, shared: Path) -> None:
    """/a/app and /b/app are both "app" when published: one row (the folder in a repository), not a failed
    publish on the folders' key."""
    d = Device(tmp_path, "laptop", shared)
    d.add_calls(5, seed=8)
    ws = d.workspace()
    try:
        assert ws.scan() is not None
        with ws.conn:
            ws.conn.execute("INSERT INTO git_repo (id, git_dir, label, tips, identities_digest, settings_digest,"
                            " config_stamp, reader_version, scanned_ms) VALUES (7, '/b/app/.git', '/b/app', '[]',"
                            " 'x', 'y', '[[\"/home/laptop/.gitconfig\", 1, 2]]', 1, 1)")
            ws.conn.executemany("INSERT INTO project_repo (project, repo_id, problem, checked_ms) VALUES (?, ?, ?, 1)",
                                [("/a/app", None, "not a git repository any more"), ("/b/app", 7, None)])
    finally:
        ws.close()
    assert d.sync().publish_problem is None
    conn = _published(d)
    try:
        assert conn.execute("SELECT project, repo_id FROM project_repo").fetchall() == [("app", 7)]
        assert conn.execute("SELECT git_dir, label, config_stamp FROM git_repo").fetchall() == [("repo-7", "app", "[]")]
    finally:
        conn.close()
