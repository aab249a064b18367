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
    """The repository the folder is in, or None (not in a work tree, gone, or unreadable)."""
    try:
        start = Path(folder).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not start.is_dir():
        return None
    for top in (start, *start.parents):
        dot_git = top / ".git"
        try:
            if dot_git.is_dir():
                git_dir = dot_git
            elif dot_git.is_file():
                found = _gitdir_from_file(dot_git)
                if found is None:
                    return None
                git_dir = found
            else:
                continue
        except OSError:
            return None
        if not (git_dir / "HEAD").is_file():
            return None
        return RepoLocation(_common_dir(git_dir), git_dir, top)
    return None


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
    commondir = _read_small(git_dir / "commondir")
    if commondir is None:
        return git_dir.resolve()
    target = Path(commondir.strip())
    if not target.is_absolute():
        target = git_dir / target
    try:
        return target.resolve(strict=True)
    except (OSError, RuntimeError):
        return git_dir.resolve()


def _read_small(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return fh.read(_MAX_REF_BYTES).decode("utf-8", "replace")
    except OSError:
        return None


def uses_reftable(common_dir: Path) -> bool:
    """Refs kept in git's binary reftable format (git 2.45+, opt-in): then git is asked for the tips."""
    return (common_dir / "reftable").is_dir()


def worktree_git_dirs(common_dir: Path) -> list[Path]:
    """The git directories of the linked worktrees (each has its own HEAD)."""
    try:
        return sorted(p for p in (common_dir / "worktrees").iterdir() if (p / "HEAD").is_file())
    except OSError:
        return []


def read_tips(common_dir: Path) -> tuple[str, ...]:
    """Sorted, distinct commit ids of every local branch and of each worktree's detached HEAD."""
    tips: set[str] = set()
    for git_dir in (common_dir, *worktree_git_dirs(common_dir)):
        head = _read_small(git_dir / "HEAD")
        if head is not None:
            value = head.strip()
            if _SHA.fullmatch(value):  # a detached HEAD; a symbolic one names a branch, read below
                tips.add(value)
    # by ref: a loose ref overrides a packed one of the same name (else a rebased branch whose old tip is still
    # packed would keep its old commits reachable). A name is held only as a digest, never as text.
    by_ref: dict[bytes, str] = {}
    packed = common_dir / "packed-refs"
    try:
        with packed.open("rb") as fh:
            for raw in fh:
                sha, _, ref = raw.rstrip(b"\r\n").partition(b" ")
                if ref.startswith(b"refs/heads/") and _SHA.fullmatch(sha.decode("ascii", "replace")):
                    by_ref[_digest(ref)] = sha.decode("ascii")
    except OSError:
        pass
    heads = common_dir / "refs" / "heads"
    for folder, _dirs, files in os.walk(heads):
        for file_name in files:
            path = Path(folder) / file_name
            text = _read_small(path)
            if text is not None and _SHA.fullmatch(text.strip()):
                loose = b"refs/heads/" + os.fsencode(path.relative_to(heads).as_posix())
                by_ref[_digest(loose)] = text.strip()
    tips.update(by_ref.values())
    return tuple(sorted(tips))


def _digest(ref: bytes) -> bytes:
    return hashlib.blake2b(ref, digest_size=16).digest()


def config_files(common_dir: Path, env: dict[str, str], home: Path | None) -> list[Path]:
    """The configuration files that can set user.email for this repository (their stamps decide whether the
    identities are asked for again)."""
    files = [common_dir / "config", common_dir / "config.worktree"]
    if "GIT_CONFIG_GLOBAL" in env:
        files.append(Path(env["GIT_CONFIG_GLOBAL"]))
    else:
        base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else (home / ".config" if home else None)
        if base is not None:
            files.append(base / "git" / "config")
        if home is not None:
            files.append(home / ".gitconfig")
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        files.append(Path(env.get("GIT_CONFIG_SYSTEM", "/etc/gitconfig")))
    return files


def stamp(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) of each file, (path, 0, -1) when it does not exist; sorted and distinct."""
    out: set[tuple[str, int, int]] = set()
    for p in paths:
        try:
            st = p.stat()
            out.add((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.add((str(p), 0, -1))
    return tuple(sorted(out))
