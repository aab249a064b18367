"""Counting the bad rows of a session table that is read whole at every change (Goose, Hermes) only once.

Those databases hold running totals per session, so each change re-reads every row; a row that cannot be
counted would otherwise be reported as skipped again at every scan. The rows already reported are kept in
the source's saved state, as a line parser keeps its place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

# Rows remembered at most: bad rows are rare; a table of nothing but bad rows is reported again past this.
_MAX_REMEMBERED = 2000


class SkippedRows:
    """Reasons for rows skipped in this read, counted only for rows not already reported by an earlier read."""

    def __init__(self, state: Mapping[str, Any] | None) -> None:
        saved = (state or {}).get("skipped")
        self._before = {s for s in saved if isinstance(s, str)} if isinstance(saved, list) else set()
        self._now: list[str] = []
        self.counts: Counter[str] = Counter()

    def skip(self, rowid: object, reason: str) -> None:
        mark = f"{rowid}:{reason}"
        self._now.append(mark)
        if mark not in self._before:
            self.counts[reason] += 1

    def state(self) -> dict[str, Any]:
        return {"skipped": self._now[:_MAX_REMEMBERED]} if self._now else {}
