"""The work figures in the store: saved and loaded unchanged, rewritten by difference, carried by backups, dropped
by `forget`, and never holding a commit message, a file name, a branch name or an address (byte search)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitrepo import ME, require_git
from helpers import cli_env, run_cli
from tokenpulse.store import git_work
from tokenpulse.work.figures import WorkSum, add_up
from tokenpulse.work.reader import WorkReader, WorkScan
from work_world import SECRETS, World, build, rebase_beta


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, object]]:
    require_git()
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    w = build(tmp_path)
    ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(w.claude)}, home=tmp_path / "nohome")
    ws.work_reader = WorkReader(env=w.env)  # git with the world's configuration (the CLI uses os.environ)
    ws.scan()
    try:
        yield w, ws
    finally:
        ws.close()


def _same(a: WorkScan, b: WorkScan) -> None:
    assert a.repo_of == b.repo_of
    assert a.labels == b.labels
    assert a.repos.keys() == b.repos.keys()
    for key, state in a.repos.items():
        other = b.repos[key]
        assert (state.tips, state.identities_digest, state.settings_digest, state.config_stamp, state.horizon_ms,
                state.version) == (other.tips, other.identities_digest, other.settings_digest, other.config_stamp,
                                   other.horizon_ms, other.version)
        assert dict(state.commits) == dict(other.commits)


def _rows(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("git_repo", "git_commit", "project_repo")}


def test_what_is_saved_loads_back_unchanged(world) -> None:  # type: ignore[no-untyped-def]
    w, ws = world
    scan = ws.refresh_work()
    assert scan.problems == [] and len(scan.repos) == 3
    _same(git_work.load(ws.conn), scan)
    assert _rows(ws.conn) == {"git_repo": 3, "git_commit": 6 + 4 + 1, "project_repo": 6}
    # a refresh with nothing changed runs no git and writes nothing
    before = ws.conn.total_changes
    again = ws.refresh_work()
    assert again.repos_unchanged == 3 and again.repos_read == 0
    assert ws.conn.total_changes == before  # not a row written


def test_a_rescan_writes_only_the_difference(world) -> None:  # type: ignore[no-untyped-def]
    w, ws = world
    ws.refresh_work()
    rebase_beta(w)
    ws.refresh_work()
    stored = git_work.load(ws.conn)
    fresh = WorkReader(env=w.env).refresh(list(stored.repo_of), {}, _first_calls(ws.conn))
    _same(stored, fresh)  # after a rebase: exactly what a first read gives, no old commit left behind
    assert add_up(stored.commits(str(w.beta.path)).values()) == WorkSum(4, 14, 0, 4)  # type: ignore[union-attr]
    # one new commit is one inserted row, the other repositories are not written
    w.alpha.commit({"y.txt": "c\n"}, at=w.alpha.clock + 120)
    previous = git_work.load_states(ws.conn)
    after = WorkReader(env=w.env).refresh(list(stored.repo_of), previous, _first_calls(ws.conn))
    assert [s.key for s, _ in git_work.changed_repos(after, previous)] == [str(w.alpha.path / ".git")]
    assert git_work.save(ws.conn, after, 1, previous) == 1
    _same(git_work.load(ws.conn), after)


def _first_calls(conn: sqlite3.Connection) -> dict[str, int]:
    from tokenpulse.insights.spend_days import first_call_per_folder

    return first_call_per_folder(conn)


def test_backups_carry_the_figures_and_a_restore_brings_them_back(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import make_backup, restore

    w, ws = world
    scan = ws.refresh_work()
    made = make_backup(ws.paths.database, ws.paths.backups_dir, 1_767_300_000_000)
    conn = sqlite3.connect(made)
    try:
        _same(git_work.load(conn), scan)
    finally:
        conn.close()
    other = tmp_path / "elsewhere" / "tokenpulse.sqlite3"
    other.parent.mkdir()
    restore(other, made, now_ms=1_767_300_000_000)
    conn = sqlite3.connect(other)
    try:
        _same(git_work.load(conn), scan)
    finally:
        conn.close()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_no_message_file_or_branch_name_anywhere_in_the_store_or_its_backups(world) -> None:  # type: ignore[no-untyped-def]
    """The issue's privacy test: after a scan, every byte the store and its backups hold is searched."""
    from tokenpulse.store.backup import make_backup

    w, ws = world
    scan = ws.refresh_work()
    assert sum(len(s.commits) for s in scan.repos.values()) == 11  # the figures are there
    rebase_beta(w)  # rewritten commits: what is deleted must not leave names behind either (it held none)
    ws.refresh_work()
    make_backup(ws.paths.database, ws.paths.backups_dir, 1_767_300_000_000)
    files = _files(ws.paths.data_dir)
    assert any(p.suffix == ".sqlite3" and "backups" in p.parts for p in files)
    assert any(p.name.endswith("-wal") for p in files)  # the write-ahead log is searched too
    # the secrets really are in the repositories (so a leak would be found)
    assert any(SECRETS[0].encode() in p.read_bytes() for p in _files(w.alpha.path / ".git"))
    for path in files:
        data = path.read_bytes()
        for secret in (*SECRETS, ME, "SecretSubject", "secret-branch"):
            for form in (secret.encode(), secret.encode("utf-16-le")):
                assert form not in data, f"{secret!r} found in {path}"


def test_forget_project_drops_its_folders_and_unused_repositories_in_store_and_backups(
        world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import list_backups, make_backup

    w, ws = world
    ws.refresh_work()
    make_backup(ws.paths.database, ws.paths.backups_dir, 1_767_300_000_000)
    ws.close()
    cli_env(monkeypatch, tmp_path, claude=w.claude)

    assert run_cli(capsys, "forget", "--project", str(w.beta.path), "--yes")[0] == 0
    assert run_cli(capsys, "forget", "--project", str(w.worktree), "--yes")[0] == 0  # alpha is still used
    for db in [ws.paths.database, *(b.path for b in list_backups(ws.paths.backups_dir))]:
        conn = sqlite3.connect(db)
        try:
            labels = {r[0] for r in conn.execute("SELECT label FROM git_repo")}
            assert labels == {str(w.alpha.path), str(w.gone)}, db
            assert {r[0] for r in conn.execute("SELECT project FROM project_repo")} == {
                str(w.alpha.path), str(w.alpha.path / "src"), str(w.gone), str(w.plain)}
            assert _rows(conn)["git_commit"] == 6 + 1  # beta's four commits went with it
            assert str(w.beta.path).encode() not in db.read_bytes()  # secure delete: not in free pages either
        finally:
            conn.close()
    # alpha itself: its folder and sub-folder go, and so does its repository
    assert run_cli(capsys, "forget", "--project", str(w.alpha.path), "--yes")[0] == 0
    conn = sqlite3.connect(ws.paths.database)
    try:
        assert {r[0] for r in conn.execute("SELECT label FROM git_repo")} == {str(w.gone)}
        assert _rows(conn) == {"git_repo": 1, "git_commit": 1, "project_repo": 2}
    finally:
        conn.close()


def test_forget_all_leaves_no_figures(world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.backup import make_backup

    w, ws = world
    ws.refresh_work()
    make_backup(ws.paths.database, ws.paths.backups_dir, 1_767_300_000_000)
    ws.close()
    cli_env(monkeypatch, tmp_path, claude=w.claude)
    assert run_cli(capsys, "forget", "--all", "--yes")[0] == 0
    left = _files(ws.paths.data_dir) if ws.paths.data_dir.exists() else []
    assert not any(str(w.alpha.path).encode() in p.read_bytes() for p in left), left


def test_a_store_without_the_tables_is_left_alone_by_forget(tmp_path: Path) -> None:
    """Backups made before 0006 have no work tables: forgetting a project in them must still work."""
    conn = sqlite3.connect(tmp_path / "old.sqlite3")
    try:
        git_work.forget_folders(conn, "/x", "/x/")  # no error, nothing to do
        assert not git_work.has_tables(conn)
    finally:
        conn.close()


def test_state_json_columns_hold_ids_and_stamps_only(world) -> None:  # type: ignore[no-untyped-def]
    w, ws = world
    ws.refresh_work()
    for tips, stamp in ws.conn.execute("SELECT tips, config_stamp FROM git_repo"):
        assert all(len(t) == 40 and int(t, 16) >= 0 for t in json.loads(tips))
        assert all(p.endswith(("config", "config.worktree", ".gitconfig")) for p, _m, _s in json.loads(stamp))


def test_sums_in_sql_equal_the_readers_own_sums(world) -> None:  # type: ignore[no-untyped-def]
    """The reports sum in SQL; insights sum the reader's figures in memory: the same windows, the same sums."""
    from tokenpulse.insights.chat_work import CHAT_TAIL_MS, ChatSpan, chats_work
    from tokenpulse.insights.work_beside import folder_work
    from work_world import T0, H

    w, ws = world
    scan = ws.refresh_work()
    stored = git_work.load(ws.conn)
    assert isinstance(next(iter(stored.repos.values())).commits, git_work.StoredCommits)  # read when first used
    for since, until in ((None, None), ((T0 + 3 * H) * 1000, None), (None, (T0 + 5 * H) * 1000),
                         ((T0 + 5 * H) * 1000, (T0 + 5 * H) * 1000 + 1), (0, 1)):
        sums = git_work.window_sums(ws.conn, since, until)
        for folder, key in scan.repo_of.items():
            assert (sums[key] if key else None) == folder_work(folder, scan, since, until), (folder, since, until)
    spans = [ChatSpan(n, folder, first, last) for n, (folder, first, last) in enumerate(
        [(str(w.alpha.path), (T0 + H) * 1000, (T0 + H) * 1000), (str(w.beta.path), 0, (T0 + 3 * H) * 1000),
         (str(w.plain), 0, 2**40), (str(w.worktree), (T0 + 6 * H + 1) * 1000, (T0 + 7 * H) * 1000 - CHAT_TAIL_MS)])]
    expected = chats_work(spans, scan)
    got = git_work.span_sums(ws.conn, [(scan.repo_of[s.folder] or "", s.first_ms, s.last_ms + CHAT_TAIL_MS)
                                       for s in spans if s.folder])
    assert got == [expected[s.session_id] for s in spans]
    assert got[0] == WorkSum(1, 10, 0, 1) and got[3] == WorkSum(1, 3, 0, 1)  # both window ends included
