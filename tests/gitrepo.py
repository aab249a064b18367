"""Real git repositories built in a test: commits with chosen authors, times and contents.

Every git run uses a private global config (`GIT_CONFIG_GLOBAL`) and no system config, so the machine's own
settings cannot change a count. `TP_REQUIRE_GIT=1` (CI) turns a missing git into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ME = "me@example.org"
ME_TOO = "Me.Too@Example.COM"  # the user's second address, listed in the settings (case differs on purpose)
OTHER = "someone@example.net"
T0 = 1_767_268_800  # 2026-01-01T12:00:00Z


def require_git() -> str:
    exe = shutil.which("git")
    if exe is None:
        if os.environ.get("TP_REQUIRE_GIT"):
            pytest.fail("git is required (TP_REQUIRE_GIT is set) but not on PATH")
        pytest.skip("git is not installed: the work reader cannot be tested without it")
    return exe


def git_env(home: Path, email: str | None = ME) -> dict[str, str]:
    """An environment whose global git config is a file under `home` holding `email` as user.email."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / ".gitconfig"
    text = "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test\n"
    if email:
        text += f"\temail = {email}\n"
    cfg.write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1",
                "XDG_CONFIG_HOME": str(home / ".config")})
    return env


class Repo:
    """A work tree and the git commands run in it."""

    def __init__(self, path: Path, env: dict[str, str], init: bool = True) -> None:
        self.path = path
        self.env = env
        self.clock = T0
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: int | None = None, author: str | None = None, cwd: Path | None = None) -> str:
        env = dict(self.env)
        if date is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{date} +0000"
        if author is not None:
            env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = author
            env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = author.split("@")[0]
        out = subprocess.run(["git", *args], cwd=cwd or self.path, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {out.stderr}")
        return out.stdout.strip()

    def write(self, name: str, data: str | bytes) -> None:
        p = self.path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data)

    def commit(self, files: dict[str, str | bytes] | None = None, *, author: str = ME, message: str = "work",
               at: int | None = None, cwd: Path | None = None) -> str:
        """Write the files, stage everything and commit; the commit id. Times advance an hour per commit."""
        base = cwd or self.path
        for name, data in (files or {}).items():
            p = base / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data) if isinstance(data, bytes) else p.write_text(data)
        self.clock = at if at is not None else self.clock + 3600
        self.git("add", "-A", cwd=base)
        self.git("commit", "-q", "--allow-empty", "-m", message, date=self.clock, author=author, cwd=base)
        return self.git("rev-parse", "HEAD", cwd=base)


def lines(n: int, tag: str = "line") -> str:
    return "".join(f"{tag} {i}\n" for i in range(n))
