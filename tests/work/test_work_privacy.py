"""The work reader keeps no commit message, file name, branch name or e-mail address, and git never even sends
it the first three."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitrepo import ME, Repo, git_env, lines, require_git
from tokenpulse.work import gitcmd
from tokenpulse.work.reader import WorkReader

SECRETS = ("SecretMessageText", "secret-file-name", "secret-branch-name", "SecretSubject", "secret-dir")


def test_no_message_file_or_branch_name_reaches_the_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_git()
    env = git_env(tmp_path / "home")
    repo = Repo(tmp_path / "p", env)
    repo.commit({"secret-dir/secret-file-name.txt": lines(3)}, message="SecretSubject\n\nSecretMessageText body")
    repo.git("checkout", "-q", "-b", "secret-branch-name")
    repo.commit({"secret-file-name-2.bin": b"\x00\x01" * 50}, message="SecretSubject two")
    repo.git("mv", "secret-dir/secret-file-name.txt", "secret-dir/secret-file-name-moved.txt")
    repo.commit(message="SecretMessageText rename")
    repo.git("pack-refs", "--all")
    repo.git("worktree", "add", "-q", "-b", "secret-branch-name-wt", str(tmp_path / "wt"))
    repo.git("checkout", "-q", "main")
    repo.clock += 3600
    repo.git("merge", "-q", "--no-ff", "-m", "SecretSubject merge of secret-branch-name", "secret-branch-name",
             date=repo.clock)

    seen: list[str] = []
    original = gitcmd.Git.lines

    def recording(self: gitcmd.Git, *args: object, **kwargs: object) -> Iterator[str]:
        for line in original(self, *args, **kwargs):  # type: ignore[arg-type]
            seen.append(line)
            yield line

    monkeypatch.setattr(gitcmd.Git, "lines", recording)
    reader = WorkReader(env=env)
    scan = reader.refresh([str(repo.path), str(tmp_path / "wt")], {})
    repo.commit({"secret-file-name-3.txt": lines(1)}, message="SecretMessageText later")
    scan = reader.refresh([str(repo.path), str(tmp_path / "wt")], scan.repos)
    assert scan.problems == []
    assert len(next(iter(scan.repos.values())).commits) == 5
    assert seen, "git's output was not observed"
    kept = json.dumps({k: s.to_dict() for k, s in scan.repos.items()}) + repr(scan)
    for secret in SECRETS:
        assert not any(secret in line for line in seen), f"git sent {secret!r} to the reader"
        assert secret not in kept, f"the reader kept {secret!r}"
    assert ME not in kept.lower(), "the reader kept the user's e-mail address (a digest is enough)"
