"""Finding a folder's repository and its branch tips by reading files, without running git.

A project folder belongs to the nearest enclosing work tree (a `.git` folder, or a `.git` file as in linked
worktrees and submodules). Its repository is identified by the common git directory, so every worktree and
sub-folder of one repository maps to one key. Branch tips come from loose refs and packed-refs; a ref's name is
seen only while its line or file is read, and only the commit id is kept.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 repositories
_MAX_REF_BYTES = 4096  # a ref file holds one id; anything larger is not a ref


@dataclass(frozen=True, slots=True)
class RepoLocation:
    """Where a folder's repository lives."""

    common_dir: Path  # shared by all worktrees: objects, refs, config
    git_dir: Path  # this worktree's own git directory (== common_dir for the main worktree)
    work_tree: Path  # the top folder of the work tree the folder is in

    @property
    def key(self) -> str:
        return str(self.common_dir)

    @property
    def label(self) -> str:
        """The folder that names the repository: the main work tree (the common dir's parent for `.git`)."""
        return str(self.common_dir.parent) if self.common_dir.name == ".git" else str(self.common_dir)


def find_repository(folder: str | Path) -> RepoLocation | None:
    """The repository the folder is in, or None (not in a work tree, gone, or unreadable).

    Plain `os.path` string work: a rescan runs this for every project folder, and pathlib costs ~10× more.
    """
    try:
        top = os.path.realpath(os.fspath(folder), strict=True)
    except (OSError, ValueError):
        return None
    if not os.path.isdir(top):
        return None
    while True:
        dot_git = os.path.join(top, ".git")
        try:
            mode: int | None = os.stat(dot_git).st_mode
        except (FileNotFoundError, NotADirectoryError):
            mode = None
        except OSError:
            return None
        if mode is not None:
            if stat.S_ISDIR(mode):
                git_dir: Path | None = Path(dot_git)
            elif stat.S_ISREG(mode):
                git_dir = _gitdir_from_file(Path(dot_git))
            else:
                git_dir = None
            if git_dir is None or not os.path.isfile(os.path.join(git_dir, "HEAD")):
                return None
            return RepoLocation(_common_dir(git_dir), git_dir, Path(top))
        parent = os.path.dirname(top)
        if parent == top:
            return None
        top = parent


def _gitdir_from_file(dot_git: Path) -> Path | None:
    """`.git` as a file: 'gitdir: <path>' (relative paths are relative to the file's folder)."""
    try:
        with dot_git.open("rb") as fh:
            first = fh.readline(_MAX_REF_BYTES).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    target = Path(first[len("gitdir:"):].strip())
    if not target.is_absolute():
        target = dot_git.parent / target
    try:
        return target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def _common_dir(git_dir: Path) -> Path:
    commondir = _read_small(os.path.join(git_dir, "commondir"))
    target = os.fspath(git_dir) if commondir is None else os.path.join(git_dir, commondir.strip())
    try:
        return Path(os.path.realpath(target, strict=True))
    except (OSError, ValueError):
        return Path(os.path.realpath(git_dir))


def _read_small(path: str | Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(_MAX_REF_BYTES).decode("utf-8", "replace")
    except OSError:
        return None


def uses_reftable(common_dir: Path) -> bool:
    """Refs kept in git's binary reftable format (git 2.45+, opt-in): then git is asked for the tips."""
    return (common_dir / "reftable").is_dir()


def worktree_git_dirs(common_dir: Path) -> list[Path]:
    """The git directories of the linked worktrees (each has its own HEAD)."""
    return [Path(p) for p in _worktree_dirs(os.fspath(common_dir))]


def _worktree_dirs(common: str) -> list[str]:
    try:
        with os.scandir(os.path.join(common, "worktrees")) as entries:
            return sorted(e.path for e in entries if os.path.isfile(os.path.join(e.path, "HEAD")))
    except OSError:
        return []


def read_tips(common_dir: Path) -> tuple[str, ...]:
    """Sorted, distinct commit ids of every local branch and of each worktree's detached HEAD."""
    common = os.fspath(common_dir)
    tips: set[str] = set()
    for git_dir in (common, *_worktree_dirs(common)):
        head = _read_small(os.path.join(git_dir, "HEAD"))
        if head is not None:
            value = head.strip()
            if _SHA.fullmatch(value):  # a detached HEAD; a symbolic one names a branch, read below
                tips.add(value)
    # by ref: a loose ref overrides a packed one of the same name (else a rebased branch whose old tip is still
    # packed would keep its old commits reachable). A name is held only as a digest, never as text.
    by_ref: dict[bytes, str] = {}
    try:
        with open(os.path.join(common, "packed-refs"), "rb") as fh:
            for raw in fh:
                sha, _, ref = raw.rstrip(b"\r\n").partition(b" ")
                if ref.startswith(b"refs/heads/") and _SHA.fullmatch(sha.decode("ascii", "replace")):
                    by_ref[_digest(ref)] = sha.decode("ascii")
    except OSError:
        pass
    folders = [(os.path.join(common, "refs", "heads"), b"refs/heads/")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((entry.path, prefix + os.fsencode(entry.name) + b"/"))
                        continue
                    text = _read_small(entry.path)
                    if text is not None and _SHA.fullmatch(text.strip()):
                        by_ref[_digest(prefix + os.fsencode(entry.name))] = text.strip()
        except OSError:
            continue
    tips.update(by_ref.values())
    return tuple(sorted(tips))


def _digest(ref: bytes) -> bytes:
    return hashlib.blake2b(ref, digest_size=16).digest()


def config_files(common_dir: Path, env: Mapping[str, str], home: Path | None) -> list[str]:
    """The configuration files that can set user.email for this repository (their stamps decide whether the
    identities are asked for again)."""
    common = os.fspath(common_dir)
    files = [os.path.join(common, "config"), os.path.join(common, "config.worktree")]
    if "GIT_CONFIG_GLOBAL" in env:
        files.append(env["GIT_CONFIG_GLOBAL"])
    else:
        base = env.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else None)
        if base:
            files.append(os.path.join(base, "git", "config"))
        if home is not None:
            files.append(os.path.join(home, ".gitconfig"))
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        files.append(env.get("GIT_CONFIG_SYSTEM", "/etc/gitconfig"))
    return files


def stamp(paths: list[Path] | list[str]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) of each file, (path, 0, -1) when it does not exist; sorted and distinct."""
    out: set[tuple[str, int, int]] = set()
    for p in paths:
        name = os.fspath(p)
        try:
            st = os.stat(name)
            out.add((name, st.st_mtime_ns, st.st_size))
        except OSError:
            out.add((name, 0, -1))
    return tuple(sorted(out))
