"""The work reader on real repositories built in the test: exact commit, line and file counts per case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitrepo import ME, ME_TOO, OTHER, T0, Repo, git_env, lines, require_git
from tokenpulse.work import locate
from tokenpulse.work.figures import RepoState, WorkSum, add_up
from tokenpulse.work.reader import WorkReader, WorkScan, git_tips


@pytest.fixture(autouse=True)
def _git() -> None:
    require_git()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return git_env(tmp_path / "home")


def _reader(env: dict[str, str], extra: tuple[str, ...] = ()) -> WorkReader:
    return WorkReader(env=env, identities=extra, workers=2)


def _sum(scan: WorkScan, folder: Path | str) -> WorkSum | None:
    commits = scan.commits(str(folder))
    return None if commits is None else add_up(commits.values())


def _fresh(env: dict[str, str], folder: Path, extra: tuple[str, ...] = ()) -> WorkSum | None:
    return _sum(_reader(env, extra).refresh([str(folder)], {}), folder)


def test_only_the_users_commits_count(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(10)})  # +10, 1 file
    repo.commit({"b.txt": lines(4)}, author=OTHER)  # someone else's: left out
    repo.commit({"a.txt": lines(8)})  # lines 8 and 9 removed: −2, 1 file
    repo.commit({"c.txt": lines(3), "a.txt": lines(9)})  # +3 and +1, 2 files
    assert _fresh(env, repo.path) == WorkSum(commits=3, lines_added=14, lines_removed=2, files_changed=4)


def test_identities_from_global_repo_config_and_settings(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.git("config", "user.email", "repo-only@example.org")
    repo.commit({"a.txt": lines(1)}, author=ME)  # the global address
    repo.commit({"b.txt": lines(2)}, author="repo-only@example.org")  # the repository's own address
    repo.commit({"c.txt": lines(4)}, author="me.too@example.com")  # listed in the settings (other case)
    repo.commit({"d.txt": lines(8)}, author=OTHER)
    assert _fresh(env, repo.path, (ME_TOO,)) == WorkSum(3, 7, 0, 3)
    assert _fresh(env, repo.path) == WorkSum(2, 3, 0, 2)


def test_no_known_address_means_no_figures_and_says_why(tmp_path: Path) -> None:
    env = git_env(tmp_path / "home", email=None)
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(1)})
    scan = _reader(env).refresh([str(repo.path)], {})
    assert scan.commits(str(repo.path)) is None
    assert len(scan.problems) == 1 and "user.email" in scan.problems[0]


def test_sub_folder_and_worktrees_count_as_their_repository(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"src/app/x.txt": lines(5)})
    wt = tmp_path / "p-feature"
    repo.git("worktree", "add", "-q", "-b", "feature", str(wt))
    repo.commit({"y.txt": lines(2)}, cwd=wt)  # on the worktree's branch
    detached = tmp_path / "p-detached"
    repo.git("worktree", "add", "-q", "--detach", str(detached))
    repo.commit({"z.txt": lines(7)}, cwd=detached)  # only the detached worktree's HEAD reaches it
    folders = [str(repo.path / "src" / "app"), str(wt), str(detached), str(repo.path)]
    scan = _reader(env).refresh(folders, {})
    assert len(set(scan.repo_of.values())) == 1 and None not in scan.repo_of.values()
    assert len(scan.repos) == 1
    for folder in folders:
        assert _sum(scan, folder) == WorkSum(3, 14, 0, 3)
    assert scan.labels[str(repo.path / ".git")] == str(repo.path)
    key = next(iter(scan.repos))
    assert locate.read_tips(Path(key)) == git_tips(_reader(env).git(), Path(key))


def test_merge_counts_once_with_its_first_parent_diff(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(10)})  # +10, 1
    repo.git("checkout", "-q", "-b", "side")
    repo.commit({"b.txt": lines(6)})  # +6, 1
    repo.commit({"b.txt": lines(4)})  # −2, 1
    repo.git("checkout", "-q", "main")
    repo.commit({"c.txt": lines(3)})  # +3, 1 (so the merge is a real merge)
    repo.clock += 3600
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", date=repo.clock, author=ME)
    # the merge against its first parent (main) brings b.txt: +4, 1 file; counted once, not once per parent
    assert _fresh(env, repo.path) == WorkSum(5, 10 + 6 + 3 + 4, 2, 5)


def test_a_merge_by_someone_else_is_not_the_users(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(2)})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit({"b.txt": lines(6)})
    repo.git("checkout", "-q", "main")
    repo.commit({"c.txt": lines(1)}, author=OTHER)
    repo.clock += 3600
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side", date=repo.clock, author=OTHER)
    assert _fresh(env, repo.path) == WorkSum(2, 8, 0, 2)


def test_binary_files_count_as_files_without_lines(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"img.bin": bytes(range(256)) * 4, "notes.txt": lines(2)})  # +2 lines, 2 files
    repo.commit({"img.bin": bytes(reversed(range(256))) * 4})  # 1 file, no lines
    assert _fresh(env, repo.path) == WorkSum(2, 2, 0, 3)


def test_a_renamed_file_is_one_changed_file(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.git("config", "diff.renames", "false")  # the user's own setting must not change the counts
    repo.commit({"old.txt": lines(20)})  # +20, 1
    repo.git("mv", "old.txt", "new.txt")
    repo.commit()  # a pure rename: 1 file, no lines (not −20 / +20 over 2 files)
    body = lines(20).replace("line 3\n", "line three\n")
    repo.git("mv", "new.txt", "newer.txt")
    repo.commit({"newer.txt": body})  # renamed and edited: 1 file, +1 −1
    assert _fresh(env, repo.path) == WorkSum(3, 21, 1, 3)


def test_empty_commit_counts_with_nothing_changed(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(1)})
    repo.commit()
    assert _fresh(env, repo.path) == WorkSum(2, 1, 0, 1)


def test_not_a_repository_and_a_deleted_one_have_no_figures(tmp_path: Path, env: dict[str, str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    repo = Repo(tmp_path / "gone", env)
    repo.commit({"a.txt": lines(3)})
    reader = _reader(env)
    first = reader.refresh([str(plain), str(repo.path)], {})
    assert first.commits(str(plain)) is None and first.repo_of[str(plain)] is None
    assert _sum(first, repo.path) == WorkSum(1, 3, 0, 1)
    shutil.rmtree(repo.path)
    after = reader.refresh([str(plain), str(repo.path), str(tmp_path / "never-existed")], first.repos)
    assert after.repo_of == {str(plain): None, str(repo.path): None, str(tmp_path / "never-existed"): None}
    assert after.repos == {} and after.problems == []


def test_rescan_with_nothing_changed_runs_no_git(tmp_path: Path, env: dict[str, str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(3)})
    reader = _reader(env)
    first = reader.refresh([str(repo.path)], {})
    import subprocess

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"git was run: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_git)
    again = reader.refresh([str(repo.path)], first.repos)
    assert again.repos_unchanged == 1 and again.repos_read == 0
    assert again.repos == first.repos


def test_incremental_reads_only_new_commits(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(3)})
    reader = _reader(env)
    first = reader.refresh([str(repo.path)], {})
    repo.commit({"a.txt": lines(5)})
    repo.commit({"b.txt": lines(1)})
    second = reader.refresh([str(repo.path)], first.repos)
    assert second.commits_read == 2 and second.repos_read == 1
    assert _sum(second, repo.path) == WorkSum(3, 6, 0, 3)


def _same_as_a_fresh_read(env: dict[str, str], scan: WorkScan, folder: Path) -> None:
    fresh = _reader(env).refresh([str(folder)], {})
    key = scan.repo_of[str(folder)]
    assert key is not None
    assert dict(scan.repos[key].commits) == dict(fresh.repos[key].commits)


def test_rebase_is_re_read_without_double_counting(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(4)})  # +4
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"f1.txt": lines(2)})  # +2
    repo.commit({"f2.txt": lines(3)})  # +3
    repo.git("checkout", "-q", "main")
    repo.commit({"m.txt": lines(5)})  # +5
    repo.git("pack-refs", "--all")  # the old feature tip now sits in packed-refs
    reader = _reader(env)
    before = reader.refresh([str(repo.path)], {})
    assert _sum(before, repo.path) == WorkSum(4, 14, 0, 4)
    repo.git("checkout", "-q", "feature")
    repo.clock += 3600
    repo.git("rebase", "-q", "main", date=repo.clock)  # new ids for f1 and f2 (a loose ref overrides the packed)
    after = reader.refresh([str(repo.path)], before.repos)
    assert _sum(after, repo.path) == WorkSum(4, 14, 0, 4)
    assert after.commits_read == 2  # only the two rewritten commits were read
    _same_as_a_fresh_read(env, after, repo.path)
    # an amend rewrites one commit: still counted once, with its new counts
    repo.commit({"f2.txt": lines(1)}, message="amended")  # a new commit on top: −2
    repo.git("commit", "-q", "--amend", "-m", "amended again", date=repo.clock + 60)
    amended = reader.refresh([str(repo.path)], after.repos)
    assert _sum(amended, repo.path) == WorkSum(5, 14, 2, 5)
    _same_as_a_fresh_read(env, amended, repo.path)


def test_force_reset_and_garbage_collection_drop_the_lost_commits(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(4)})
    repo.commit({"b.txt": lines(2)})
    lost = repo.commit({"c.txt": lines(1)})
    reader = _reader(env)
    before = reader.refresh([str(repo.path)], {})
    assert _sum(before, repo.path) == WorkSum(3, 7, 0, 3)
    repo.git("reset", "-q", "--hard", "HEAD~2")
    repo.git("update-ref", "-d", "ORIG_HEAD")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    with pytest.raises(AssertionError):  # the old tip is no longer in the object store
        repo.git("cat-file", "-e", lost)
    after = reader.refresh([str(repo.path)], before.repos)
    assert _sum(after, repo.path) == WorkSum(1, 4, 0, 1)
    repo.commit({"d.txt": lines(6)})
    again = reader.refresh([str(repo.path)], after.repos)
    assert _sum(again, repo.path) == WorkSum(2, 10, 0, 2)


def test_a_deleted_branch_takes_its_unmerged_commits_along(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(1)})
    repo.git("checkout", "-q", "-b", "spike")
    repo.commit({"s.txt": lines(9)})
    repo.git("checkout", "-q", "main")
    reader = _reader(env)
    before = reader.refresh([str(repo.path)], {})
    assert _sum(before, repo.path) == WorkSum(2, 10, 0, 2)
    repo.git("branch", "-q", "-D", "spike")
    after = reader.refresh([str(repo.path)], before.repos)
    assert _sum(after, repo.path) == WorkSum(1, 1, 0, 1)


def test_author_time_is_kept_and_the_horizon_limits_the_read(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    old = repo.commit({"a.txt": lines(2)}, at=T0)
    new = repo.commit({"b.txt": lines(3)}, at=T0 + 10 * 86_400)
    reader = _reader(env)
    first_call = {str(repo.path): (T0 + 5 * 86_400) * 1000}
    scan = reader.refresh([str(repo.path)], {}, first_call)
    key = scan.repo_of[str(repo.path)]
    assert key is not None
    assert set(scan.repos[key].commits) == {new}
    assert scan.repos[key].commits[new].author_ms == (T0 + 10 * 86_400) * 1000
    # a chat found later that started earlier: the repository is read again from the earlier horizon
    earlier = reader.refresh([str(repo.path)], scan.repos, {str(repo.path): T0 * 1000})
    assert set(earlier.repos[key].commits) == {old, new}
    # a later horizon needs nothing new
    later = reader.refresh([str(repo.path)], earlier.repos, {str(repo.path): (T0 + 9 * 86_400) * 1000})
    assert later.repos_unchanged == 1


def test_a_changed_address_list_reads_the_repository_again(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(2)})
    repo.commit({"b.txt": lines(3)}, author=OTHER)
    first = _reader(env).refresh([str(repo.path)], {})
    assert _sum(first, repo.path) == WorkSum(1, 2, 0, 1)
    widened = _reader(env, (OTHER,)).refresh([str(repo.path)], first.repos)
    assert _sum(widened, repo.path) == WorkSum(2, 5, 0, 2)
    repo.git("config", "user.email", "new@example.org")  # the repository's config changes: asked again
    repo.commit({"c.txt": lines(4)}, author="new@example.org")
    third = _reader(env).refresh([str(repo.path)], first.repos)
    assert _sum(third, repo.path) == WorkSum(2, 6, 0, 2)


def test_state_round_trips_as_plain_data(tmp_path: Path, env: dict[str, str]) -> None:
    import json

    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(2)})
    reader = _reader(env)
    scan = reader.refresh([str(repo.path)], {})
    stored = {k: RepoState.from_dict(json.loads(json.dumps(s.to_dict()))) for k, s in scan.repos.items()}
    assert stored == scan.repos
    again = reader.refresh([str(repo.path)], stored)
    assert again.repos_unchanged == 1


def test_partial_clone_never_fetches(tmp_path: Path, env: dict[str, str]) -> None:
    origin = Repo(tmp_path / "origin", env)
    origin.commit({"a.txt": lines(3)})
    origin.commit({"a.txt": lines(5)})
    origin.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    Repo(tmp_path, env, init=False).git("clone", "-q", "--no-checkout", "--filter=blob:none",
                                        f"file://{origin.path}", str(clone))
    scan = _reader(env).refresh([str(clone)], {})
    assert scan.commits(str(clone)) is None
    assert len(scan.problems) == 1 and "partial clone" in scan.problems[0]
    # nothing was fetched: the blobs are still missing
    missing = Repo(clone, env, init=False).git("rev-list", "--objects", "--missing=print", "--all")
    assert any(line.startswith("?") for line in missing.splitlines())


def test_without_git_there_are_no_figures_and_one_reason(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(1)})
    (tmp_path / "empty").mkdir()
    scan = _reader({**env, "PATH": str(tmp_path / "empty")}).refresh([str(repo.path)], {})
    assert scan.repo_of == {str(repo.path): None} and scan.repos == {}
    assert scan.problems == ["git is not installed (or not on PATH): no work figures"]


def test_a_git_too_old_is_named(tmp_path: Path, env: dict[str, str]) -> None:
    repo = Repo(tmp_path / "p", env)
    repo.commit({"a.txt": lines(1)})
    fake = tmp_path / "oldgit"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\necho 'git version 2.25.1'\n")
    (fake / "git").chmod(0o755)
    scan = _reader({**env, "PATH": str(fake)}).refresh([str(repo.path)], {})
    assert scan.repos == {}
    assert scan.problems == ["git 2.31 or newer is needed for work figures (found 2.25)"]
