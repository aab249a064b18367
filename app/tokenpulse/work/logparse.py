"""Turning `git log --shortstat` output into commit figures, one line at a time.

The format asked of git is a header per commit, `\\x1e<id> <author unix time>`, followed by git's one-line
summary ` N files changed, A insertions(+), D deletions(-)` (absent for an empty commit). Neither holds a
message, a file name or a branch name. A line that fits neither is counted, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tokenpulse.work.figures import CommitFigures

HEADER = "\x1e"
FORMAT = "--format=%x1e%H %at"
_HEADER = re.compile(r"\x1e([0-9a-f]{40}(?:[0-9a-f]{24})?) (-?\d{1,15})")
_FILES = re.compile(r"(\d+) files? changed")
_ADDED = re.compile(r"(\d+) insertions?\(\+\)")
_REMOVED = re.compile(r"(\d+) deletions?\(-\)")


@dataclass(slots=True)
class ParseCounts:
    commits: int = 0
    bad_lines: int = 0


def parse(lines: Iterable[str], counts: ParseCounts | None = None) -> Iterator[CommitFigures]:
    """The commits in git's output, in its order; lines that fit no shape are counted in `counts.bad_lines`."""
    counts = counts if counts is not None else ParseCounts()
    sha: str | None = None
    when = 0
    files = added = removed = 0
    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith(HEADER):
            if sha is not None:
                yield CommitFigures(sha, when, added, removed, files)
            m = _HEADER.fullmatch(line)
            sha = None
            if m is None:
                counts.bad_lines += 1
                continue
            sha, when = m.group(1), int(m.group(2)) * 1000
            counts.commits += 1
            files = added = removed = 0
        elif not line.strip():
            continue
        elif sha is not None and (f := _FILES.search(line)):
            files = int(f.group(1))
            a, r = _ADDED.search(line), _REMOVED.search(line)
            added = int(a.group(1)) if a else 0
            removed = int(r.group(1)) if r else 0
        else:
            counts.bad_lines += 1
    if sha is not None:
        yield CommitFigures(sha, when, added, removed, files)
