"""Keeping the user's commit figures current for a set of project folders, reading only what changed.

Per repository (worktrees and sub-folders of one repository are one), a rescan first compares, without running
git, the branch tips and the stamps of the configuration files with what it remembered (`RepoState`). Only
when they differ does it run git:

- new tips: the commits reachable from the new tips and not from the old ones are read (`new ^old`);
- a tip that went away (a rebase, a reset, a deleted branch, a force push): the commits reachable from it and
  from no current tip are dropped (`gone ^new`); if git can no longer find an old tip (garbage-collected), the
  whole set of reachable ids is listed instead and the remembered commits are kept only if still reachable;
- changed identities, a reader version bump or an earlier horizon: the repository is read anew.

So a rewritten history is re-read for the affected range only, and a commit is never counted twice: the
figures are always exactly the user's commits reachable from the current tips.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from tokenpulse.work import locate
from tokenpulse.work.figures import READER_VERSION, CommitFigures, RepoState, identity_digest
from tokenpulse.work.gitcmd import FILTER_VERSION, Git, GitError, find_git
from tokenpulse.work.logparse import FORMAT, ParseCounts, parse

# Commits are read from a day before a repository's first agent call, so that the local day of that call is
# whole in any time zone.
HORIZON_MARGIN_MS = 86_400_000

Progress = Callable[[int, int], None]  # (repositories done, repositories to read)


@dataclass(slots=True)
class WorkScan:
    """The outcome of one refresh: which repository each folder is in, and each repository's figures."""

    repo_of: dict[str, str | None] = field(default_factory=dict)  # folder → repository key; None: no figures
    repos: dict[str, RepoState] = field(default_factory=dict)  # repository key → state and figures
    labels: dict[str, str] = field(default_factory=dict)  # repository key → its main work tree folder
    problems: list[str] = field(default_factory=list)  # plain words, one per repository (or one for git)
    problem_of: dict[str, str] = field(default_factory=dict)  # folder → why it has no figures (plain words)
    repos_read: int = 0  # repositories whose history git was asked for (in full or in part)
    repos_unchanged: int = 0
    commits_read: int = 0
    bad_lines: int = 0

    def commits(self, folder: str) -> Mapping[str, CommitFigures] | None:
        """The user's commits of the folder's repository, or None (no repository, or it could not be read)."""
        key = self.repo_of.get(folder)
        state = self.repos.get(key) if key is not None else None
        return None if state is None else state.commits


@dataclass(frozen=True, slots=True)
class _Plan:
    location: locate.RepoLocation
    previous: RepoState | None
    tips: tuple[str, ...]
    identities: tuple[str, ...]  # the addresses themselves: in memory for this read only
    config_stamp: tuple[tuple[str, int, int], ...]
    horizon_ms: int | None
    full: bool


class WorkReader:
    """Reads commit figures with the git command. Thread-safe for distinct repositories; one refresh at a time."""

    def __init__(self, *, env: Mapping[str, str] | None = None, home: Path | None = None,
                 identities: Sequence[str] = (), workers: int = 2) -> None:
        self._env = dict(os.environ if env is None else env)
        self._home = home if home is not None else (Path(self._env["HOME"]) if self._env.get("HOME") else None)
        self._extra = tuple(sorted({normal for e in identities if (normal := normalise_email(e))}))
        self._extra_digest = identity_digest(self._extra)
        self._workers = max(1, workers)
        self._git: Git | None = None

    def git(self) -> Git:
        if self._git is None:
            self._git = find_git(self._env)
        return self._git

    def refresh(self, folders: Iterable[str], previous: Mapping[str, RepoState],
                first_call_ms: Mapping[str, int] | None = None, progress: Progress | None = None) -> WorkScan:
        """Figures for every folder. `previous` is what the last refresh returned (its `repos`); `first_call_ms`
        maps a folder to its earliest agent call (commits before it, less a day, are not read; a folder left
        out means its whole history)."""
        scan = WorkScan()
        by_repo: dict[str, list[str]] = {}
        locations: dict[str, locate.RepoLocation] = {}
        for folder in dict.fromkeys(folders):
            loc = locate.find_repository(folder)
            scan.repo_of[folder] = loc.key if loc else None
            if loc is not None:
                locations[loc.key] = loc
                by_repo.setdefault(loc.key, []).append(folder)
        if not locations:
            return scan
        try:
            git = self.git()
        except GitError as exc:
            scan.problems.append(str(exc))
            scan.problem_of = {folder: str(exc) for folder, key in scan.repo_of.items() if key is not None}
            scan.repo_of = dict.fromkeys(scan.repo_of)
            return scan
        plans: list[_Plan] = []
        for key, loc in locations.items():
            scan.labels[key] = loc.label
            horizon = _horizon(by_repo[key], first_call_ms)
            try:
                plan = self._plan(git, loc, previous.get(key), horizon)
            except GitError as exc:
                self._failed(scan, key, loc, str(exc))
                continue
            if isinstance(plan, RepoState):
                scan.repos[key] = plan
                scan.repos_unchanged += 1
            else:
                plans.append(plan)
        if not plans:
            return scan
        done = 0
        if progress:
            progress(0, len(plans))
        with ThreadPoolExecutor(max_workers=min(self._workers, len(plans))) as pool:
            for plan, outcome in zip(plans, pool.map(lambda p: self._read(git, p), plans)):
                key = plan.location.key
                done += 1
                if isinstance(outcome, str):
                    self._failed(scan, key, plan.location, outcome)
                else:
                    state, counts = outcome
                    scan.repos[key] = state
                    scan.repos_read += 1
                    scan.commits_read += counts.commits
                    scan.bad_lines += counts.bad_lines
                if progress:
                    progress(done, len(plans))
        return scan

    def _failed(self, scan: WorkScan, key: str, loc: locate.RepoLocation, reason: str) -> None:
        for folder, k in scan.repo_of.items():
            if k == key:
                scan.repo_of[folder] = None
                scan.problem_of[folder] = reason
        scan.problems.append(f"{loc.label}: {reason}")

    def _plan(self, git: Git, loc: locate.RepoLocation, prev: RepoState | None,
              horizon: int | None) -> _Plan | RepoState:
        """What to read for one repository, or its state as it stands when no commit can have changed (then no
        git runs at all: the tips and the configuration files' stamps are read from the file system)."""
        standard = locate.config_files(loc.common_dir, self._env, self._home)
        tips = self._tips(git, loc)
        if prev is not None and prev.version == READER_VERSION:
            paths = list(dict.fromkeys([*standard, *(p for p, _, _ in prev.config_stamp)]))
            if (prev.tips == tips and locate.stamp(paths) == prev.config_stamp
                    and prev.settings_digest == self._extra_digest and _covers(prev.horizon_ms, horizon)):
                return prev
        found, origins = self._identities(git, loc.common_dir)
        identities = tuple(sorted({*found, *self._extra}))
        if not identities:
            raise GitError("no e-mail address is known as yours (git's user.email, or git_emails in the"
                           " settings): no work figures")
        config_stamp = locate.stamp([*standard, *(str(o) for o in origins)])
        digest = identity_digest(identities)
        full = (prev is None or prev.version != READER_VERSION or prev.identities_digest != digest
                or not _covers(prev.horizon_ms, horizon))
        if not full and prev is not None:
            if prev.tips == tips:  # a configuration file changed, the addresses did not
                return replace(prev, config_stamp=config_stamp, settings_digest=self._extra_digest)
            horizon = prev.horizon_ms
        return _Plan(loc, prev, tips, identities, config_stamp, horizon, full)

    def _identities(self, git: Git, common_dir: Path) -> tuple[tuple[str, ...], list[Path]]:
        """The e-mail addresses in user.email (every scope git reads), and the files git found them in
        (includes too), whose stamps tell when to ask again."""
        found: set[str] = set()
        origins: list[Path] = []
        # exit 1: set nowhere
        for line in git.output(common_dir, ["config", "--show-origin", "--get-all", "user.email"], ok=(0, 1)):
            origin, _, value = line.partition("\t")
            if origin.startswith("file:") and not origin.startswith('file:"'):
                origins.append(Path(origin[len("file:"):]))
            if normal := normalise_email(value):
                found.add(normal)
        return tuple(sorted(found)), origins

    def _tips(self, git: Git, loc: locate.RepoLocation) -> tuple[str, ...]:
        if not locate.uses_reftable(loc.common_dir):
            return locate.read_tips(loc.common_dir)
        return git_tips(git, loc.common_dir)

    def _read(self, git: Git, plan: _Plan) -> tuple[RepoState, ParseCounts] | str:
        """Run git for one repository (in a worker thread): its new state, or the reason it failed."""
        counts = ParseCounts()
        try:
            if not plan.tips:  # no commit yet
                commits: dict[str, CommitFigures] = {}
            elif plan.full or plan.previous is None:
                commits = {c.sha: c for c in self._log(git, plan, plan.tips, (), counts)}
            else:
                commits = dict(plan.previous.commits)
                old = plan.previous.tips
                if set(plan.tips) != set(old):
                    if not self._drop_unreachable(git, plan, commits):
                        old = _existing(git, plan.location.common_dir, old)
                    for c in self._log(git, plan, plan.tips, old, counts):
                        commits[c.sha] = c
        except GitError as exc:
            return str(exc)
        state = RepoState(plan.location.key, plan.tips, identity_digest(plan.identities), self._extra_digest,
                          plan.config_stamp, plan.horizon_ms, commits)
        return state, counts

    def _log(self, git: Git, plan: _Plan, tips: Sequence[str], hide: Sequence[str],
             counts: ParseCounts) -> list[CommitFigures]:
        args = ["log", "--stdin", "--no-color", "--no-ext-diff", "--no-textconv", "--root",
                "--shortstat", "-M", "--diff-merges=first-parent", FORMAT, "--regexp-ignore-case",
                "--fixed-strings", *(f"--author=<{e}>" for e in plan.identities), *_since(git, plan.horizon_ms)]
        stdin = "".join(f"{t}\n" for t in tips) + "".join(f"^{h}\n" for h in hide)
        return list(parse(git.lines(plan.location.common_dir, args, stdin), counts))

    def _drop_unreachable(self, git: Git, plan: _Plan, commits: dict[str, CommitFigures]) -> bool:
        """Forget the remembered commits that no current tip reaches any more. False when an old tip was no
        longer in the object store (garbage-collected after a force push or a reset)."""
        assert plan.previous is not None
        gone = sorted(set(plan.previous.tips) - set(plan.tips))
        if not gone or not commits:
            return True
        common = plan.location.common_dir
        stdin = "".join(f"{g}\n" for g in gone) + "".join(f"^{t}\n" for t in plan.tips)
        try:
            for line in git.lines(common, ["rev-list", "--stdin"], stdin):
                commits.pop(line.strip(), None)
            return True
        except GitError:
            pass  # an old tip is no longer in the object store: list what is reachable instead
        reachable = {line.strip() for line in git.lines(
            common, ["rev-list", "--stdin", *_since(git, plan.horizon_ms)], "".join(f"{t}\n" for t in plan.tips))}
        for sha in [s for s in commits if s not in reachable]:
            del commits[sha]
        return False


def _existing(git: Git, common_dir: Path, shas: Sequence[str]) -> tuple[str, ...]:
    """The ids among `shas` that are still in the object store."""
    out = git.output(common_dir, ["cat-file", "--batch-check=%(objectname) %(objecttype)"],
                     "".join(f"{s}\n" for s in shas))
    return tuple(line.split()[0] for line in out if line.endswith(" commit"))


def git_tips(git: Git, common_dir: Path) -> tuple[str, ...]:
    """The tips as git itself reports them (reftable repositories; also a cross-check of `locate.read_tips`)."""
    tips = {line.strip() for line in git.lines(common_dir, ["for-each-ref", "--format=%(objectname)", "refs/heads"])}
    for git_dir in (common_dir, *locate.worktree_git_dirs(common_dir)):
        # exit 1: HEAD is detached (symbolic-ref), or unborn (rev-parse); a symbolic HEAD names a listed branch
        if not git.output(git_dir, ["symbolic-ref", "-q", "HEAD"], ok=(0, 1)):
            tips.update(git.output(git_dir, ["rev-parse", "-q", "--verify", "HEAD"], ok=(0, 1)))
    return tuple(sorted(t for t in tips if t))


def normalise_email(text: str) -> str:
    """An address as compared: trimmed, lower-case; '' for anything that cannot be one."""
    value = text.strip().strip("<>").strip().lower()
    if not value or any(c in value for c in "<>\n\r\t ") or len(value) > 320:
        return ""
    return value


def _horizon(folders: Sequence[str], first_call_ms: Mapping[str, int] | None) -> int | None:
    if first_call_ms is None or any(f not in first_call_ms for f in folders):
        return None
    return min(first_call_ms[f] for f in folders) - HORIZON_MARGIN_MS


def _covers(have: int | None, want: int | None) -> bool:
    """Whether a state read from `have` holds every commit from `want` on (None: the whole history)."""
    if have is None:
        return True
    return want is not None and want >= have


def _since(git: Git, horizon_ms: int | None) -> list[str]:
    if horizon_ms is None:
        return []
    flag = "--since-as-filter" if git.version >= FILTER_VERSION else "--since"
    return [f"{flag}=@{max(0, horizon_ms // 1000)}"]
