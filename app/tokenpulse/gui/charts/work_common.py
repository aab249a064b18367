"""What the work-from-git pieces of the charts share: one colour for commits, counts as words, and the little
of the charts window they use (its query pool, its request, its "view drawn" signal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import SignalInstance

from tokenpulse.gui.charts.base import Request
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.work.figures import WorkSum

# Commits, on every chart: a slate that keeps a 3:1 contrast on white and on near-black (#1e1e1e), and is not
# a token type's, the cost's or "other"'s colour.
COMMITS = "#607D8B"

Fetch = Callable[[Query, Callable[[Any], None]], None]


class WindowLike(Protocol):
    """The charts window as the work pieces see it."""

    sig_view_updated: SignalInstance

    def fetch(self, query: Query, done: Callable[[Any], None]) -> None: ...

    def request(self) -> Request: ...


def work_words(work: WorkSum) -> str:
    """'3 commits, +120 / −40 lines, 5 files'."""
    return (f"{work.commits:,} commit{'s' if work.commits != 1 else ''}, +{work.lines_added:,} /"
            f" −{work.lines_removed:,} lines, {work.files_changed:,} file{'s' if work.files_changed != 1 else ''}")
