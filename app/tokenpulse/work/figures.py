"""The plain data of the work reader: one commit's counts, and what a rescan remembers per repository.

Everything here is JSON-friendly (`to_dict`/`from_dict`) so the store can keep it as rows later. No text from
the repository is held: a commit is its id, its author time and three counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Bump when what a read produces changes (say, how lines are counted): every repository is then read anew.
READER_VERSION = 1


@dataclass(frozen=True, slots=True)
class CommitFigures:
    """One commit by the user. A merge carries its diff against its first parent; a binary file counts as a
    changed file with no lines; a renamed file is one changed file (plus the lines changed in it)."""

    sha: str  # the commit id (hex): an id, like a session id, never text from the repository
    author_ms: int  # author time (kept by rebase and amend, so a rewritten commit keeps its place in time)
    lines_added: int
    lines_removed: int
    files_changed: int

    @property
    def lines_changed(self) -> int:
        return self.lines_added + self.lines_removed


@dataclass(frozen=True, slots=True)
class RepoState:
    """What a rescan of one repository remembers, and the figures it has read.

    `tips` are the commit ids the branches and worktree HEADs pointed at when `commits` was last made
    current: when they, the settings' addresses and the configuration files are unchanged, nothing is read.
    `commits` holds the user's commits reachable from `tips` whose commit time is not before `horizon_ms`.
    """

    key: str  # the repository's common git directory (resolved): worktrees and sub-folders share it
    tips: tuple[str, ...]
    identities_digest: str  # a digest of the e-mail addresses whose commits are the user's (never the addresses)
    settings_digest: str  # a digest of the addresses listed in the settings (a change there is noticed at once)
    config_stamp: tuple[tuple[str, int, int], ...]  # (file, mtime_ns, size) of the config files read
    horizon_ms: int | None  # None: the whole history was read
    commits: Mapping[str, CommitFigures] = field(default_factory=dict)
    version: int = READER_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "tips": list(self.tips), "identities_digest": self.identities_digest,
                "settings_digest": self.settings_digest,
                "config_stamp": [list(s) for s in self.config_stamp], "horizon_ms": self.horizon_ms,
                "version": self.version,
                "commits": [[c.sha, c.author_ms, c.lines_added, c.lines_removed, c.files_changed]
                            for c in self.commits.values()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RepoState:
        commits = {str(r[0]): CommitFigures(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]))
                   for r in data["commits"]}
        horizon = data.get("horizon_ms")
        return cls(key=str(data["key"]), tips=tuple(str(t) for t in data["tips"]),
                   identities_digest=str(data["identities_digest"]), settings_digest=str(data["settings_digest"]),
                   config_stamp=tuple((str(p), int(m), int(s)) for p, m, s in data["config_stamp"]),
                   horizon_ms=None if horizon is None else int(horizon), commits=commits,
                   version=int(data.get("version", 0)))


def identity_digest(addresses: Iterable[str]) -> str:
    """A digest of a set of e-mail addresses: enough to notice a change, without keeping them."""
    return hashlib.blake2b("\n".join(sorted(set(addresses))).encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class WorkSum:
    """Commits and their counts added up (a day, a project, a chat)."""

    commits: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    files_changed: int = 0

    @property
    def lines_changed(self) -> int:
        return self.lines_added + self.lines_removed

    def plus(self, c: CommitFigures) -> WorkSum:
        return WorkSum(self.commits + 1, self.lines_added + c.lines_added, self.lines_removed + c.lines_removed,
                       self.files_changed + c.files_changed)

    def as_dict(self) -> dict[str, int]:
        return {"commits": self.commits, "lines_added": self.lines_added, "lines_removed": self.lines_removed,
                "files_changed": self.files_changed}


def add_up(commits: Iterable[CommitFigures]) -> WorkSum:
    """The sum of an iterable of CommitFigures."""
    total = WorkSum()
    for c in commits:
        total = total.plus(c)
    return total
