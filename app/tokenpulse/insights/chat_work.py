"""The commits made while a chat ran: in its folder's repository, from its first call to 30 minutes after its
last ("this chat: 3 commits, +120 / −40 lines"). Pure, given the chats' spans and the work reader's figures.

Commits carry no worktree, so two chats running at once in one repository (say in two worktrees) both see
the commits of that time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tokenpulse.work.figures import CommitFigures, WorkSum
from tokenpulse.work.reader import WorkScan

CHAT_TAIL_MS = 30 * 60 * 1000  # an agent's last answer is often committed a little after it


@dataclass(frozen=True, slots=True)
class ChatSpan:
    session_id: int
    folder: str | None
    first_ms: int
    last_ms: int


def work_in_window(commits: Iterable[CommitFigures], first_ms: int, last_ms: int,
                   tail_ms: int = CHAT_TAIL_MS) -> WorkSum:
    """The commits authored from `first_ms` to `last_ms + tail_ms`, both ends included."""
    total = WorkSum()
    end = last_ms + tail_ms
    for c in commits:
        if first_ms <= c.author_ms <= end:
            total = total.plus(c)
    return total


def chats_work(spans: Iterable[ChatSpan], scan: WorkScan, tail_ms: int = CHAT_TAIL_MS) -> dict[int, WorkSum | None]:
    """{chat id: its commits} — None for a chat whose folder is unknown or not a readable repository."""
    out: dict[int, WorkSum | None] = {}
    by_repo: dict[str, tuple[list[CommitFigures], list[int]]] = {}
    for span in spans:
        commits = scan.commits(span.folder) if span.folder else None
        if commits is None:
            out[span.session_id] = None
            continue
        key = scan.repo_of[span.folder] if span.folder else None
        assert key is not None
        if key not in by_repo:
            ordered = sorted(commits.values(), key=lambda c: c.author_ms)
            by_repo[key] = (ordered, [c.author_ms for c in ordered])
        ordered, times = by_repo[key]
        near = ordered[bisect.bisect_left(times, span.first_ms):bisect.bisect_right(times, span.last_ms + tail_ms)]
        out[span.session_id] = work_in_window(near, span.first_ms, span.last_ms, tail_ms)
    return out


def spans_from(rows: Mapping[int, tuple[str | None, int, int]]) -> list[ChatSpan]:
    """ChatSpans from `spend_days.chat_spans` rows."""
    return [ChatSpan(sid, folder, first, last) for sid, (folder, first, last) in rows.items()]

