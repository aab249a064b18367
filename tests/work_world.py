"""A small world of real repositories and agent chats in them, with known work figures (tests and screenshots).

    alpha/            a repository: the user's commits and someone else's, a side branch merged (counted once,
                      with its first-parent diff), a binary file, a renamed file; chats in it and in alpha/src
    alpha-wt/         a linked worktree of alpha (its branch's commit counts in alpha); a chat in it
    beta/             a repository with a feature branch that the tests rebase; a chat in it
    gone/             a repository deleted after its chat: no figures
    plain/            a folder outside any repository: no figures

Every commit message, file name and branch name holds a SECRET marker (the privacy tests search the store's
bytes for them); folder names do not (folders are what the store keeps, by design).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from gitrepo import ME, OTHER, T0, Repo, git_env, lines
from helpers import claude_line, write_lines

H = 3600
SECRETS = ("SecretSubjectZq", "SecretBodyZq", "secret-file-zq", "secret-branch-zq", "secret-dir-zq")
MSG = "SecretSubjectZq {n}\n\nSecretBodyZq paragraph {n}"


def iso(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class World:
    root: Path
    env: dict[str, str]
    alpha: Repo
    beta: Repo
    worktree: Path
    gone: Path
    plain: Path
    claude: Path
    chats: dict[str, str] = field(default_factory=dict)  # session key -> folder

    def chat(self, session: str, folder: Path, *times: int, output: int = 100) -> None:
        """A Claude Code chat in `folder` with one call at each time (unix seconds)."""
        self.chats[session] = str(folder)
        write_lines(self.claude / "projects" / session / f"{session}.jsonl", [
            claude_line(msg_id=f"{session}-{i}", req_id=f"{session}-{i}", input=1_000, output=output,
                        ts=iso(t), session=session, cwd=str(folder)) for i, t in enumerate(times)])


def build(root: Path) -> World:
    """The repositories and chats described above. Figures (all on 2026-01-01 UTC unless said):

    alpha (alpha/, alpha/src, alpha-wt): 6 commits by the user, +27 −0, 7 files
        13:00 +10 1 file · 14:00 someone else's · 15:00 side branch +6 1 file · 16:00 binary + 2 lines, 2 files
        17:00 merge of the side branch (+6, 1 file) · 18:00 a pure rename (1 file) · 19:00 in the worktree +3
    beta: 4 commits by the user, +14 −0, 4 files (13:00 +4, feature 14:00 +2, 15:00 +3, main 16:00 +5)
    chats: a1 in alpha 12:50–13:10 (the 13:00 commit), a2 in alpha/src 16:45–16:50 (the merge at 17:00),
        w1 in alpha-wt 18:55 (the 19:00 commit), b1 in beta 12:30, g1 in gone, p1 in plain
    """
    env = git_env(root / "home")
    alpha = Repo(root / "alpha", env)
    alpha.commit({"secret-file-zq-a.txt": lines(10)}, at=T0 + 1 * H, message=MSG.format(n=1))
    alpha.commit({"secret-file-zq-b.txt": lines(4)}, author=OTHER, at=T0 + 2 * H, message=MSG.format(n=2))
    alpha.git("checkout", "-q", "-b", "secret-branch-zq-side")
    alpha.commit({"secret-dir-zq/side.txt": lines(6)}, at=T0 + 3 * H, message=MSG.format(n=3))
    alpha.git("checkout", "-q", "main")
    alpha.commit({"secret-file-zq.bin": bytes(range(256)) * 4, "notes.txt": lines(2)}, at=T0 + 4 * H,
                 message=MSG.format(n=4))
    alpha.git("merge", "-q", "--no-ff", "-m", MSG.format(n=5), "secret-branch-zq-side", date=T0 + 5 * H, author=ME)
    alpha.clock = T0 + 5 * H
    alpha.git("mv", "secret-file-zq-a.txt", "secret-file-zq-renamed.txt")
    alpha.commit(at=T0 + 6 * H, message=MSG.format(n=6))
    (alpha.path / "src").mkdir()
    worktree = root / "alpha-wt"
    alpha.git("worktree", "add", "-q", "-b", "secret-branch-zq-wt", str(worktree))
    alpha.commit({"secret-file-zq-wt.txt": lines(3)}, at=T0 + 7 * H, cwd=worktree, message=MSG.format(n=7))

    beta = Repo(root / "beta", env)
    beta.commit({"secret-file-zq-1.txt": lines(4)}, at=T0 + 1 * H, message=MSG.format(n=1))
    beta.git("checkout", "-q", "-b", "secret-branch-zq-feature")
    beta.commit({"secret-file-zq-f1.txt": lines(2)}, at=T0 + 2 * H, message=MSG.format(n=2))
    beta.commit({"secret-file-zq-f2.txt": lines(3)}, at=T0 + 3 * H, message=MSG.format(n=3))
    beta.git("checkout", "-q", "main")
    beta.commit({"secret-file-zq-m.txt": lines(5)}, at=T0 + 4 * H, message=MSG.format(n=4))
    beta.git("pack-refs", "--all")

    gone = Repo(root / "gone", env)
    gone.commit({"secret-file-zq-g.txt": lines(9)}, at=T0 + 1 * H, message=MSG.format(n=1))
    plain = root / "plain"
    plain.mkdir()

    world = World(root, env, alpha, beta, worktree, gone.path, plain, root / "claude")
    world.chat("a1", alpha.path, T0 + 50 * 60, T0 + 70 * 60)
    world.chat("a2", alpha.path / "src", T0 + 4 * H + 45 * 60, T0 + 4 * H + 50 * 60)
    world.chat("w1", worktree, T0 + 6 * H + 55 * 60)
    world.chat("b1", beta.path, T0 + 30 * 60)
    world.chat("g1", gone.path, T0 + 30 * 60, output=7)
    world.chat("p1", plain, T0 + 30 * 60, output=9)
    return world


def delete_gone(world: World) -> None:
    shutil.rmtree(world.gone)


def rebase_beta(world: World) -> None:
    """feature rebased onto main: f1 and f2 get new ids (same counts); nothing may be counted twice."""
    beta = world.beta
    beta.git("checkout", "-q", "secret-branch-zq-feature")
    beta.git("rebase", "-q", "main", date=T0 + 5 * H)
    beta.git("checkout", "-q", "main")
