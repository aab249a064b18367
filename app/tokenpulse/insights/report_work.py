"""The work read from git beside the `sessions` and `projects` rows: the commits made in a chat's repository
while it ran (from its first call in the window to `CHAT_TAIL_MS` after its last), and a folder's repository's
commits in the window (summed in SQL by store.git_work). A sub-folder or a worktree has its whole repository's
figures; a total counts each repository once, however many of its folders are listed.

Only this device's rows get figures: the repositories were read on this disk, and another device's folders
name its own. A row without figures (no repository, unreadable, another device) has None, never zeros.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence

from tokenpulse.insights.chat_work import CHAT_TAIL_MS
from tokenpulse.insights.usage_report import Chat, ProjectRow
from tokenpulse.store.git_work import span_sums, window_sums
from tokenpulse.store.queries import Filter
from tokenpulse.work.figures import WorkSum
from tokenpulse.work.reader import WorkScan


def _this_device(flt: Filter) -> str | None:
    """The label rows of this device carry (None when the filter leaves this device out)."""
    return next((flt.scope.label(i) if flt.scope.labelled else "" for i, m in enumerate(flt.scope.members)
                 if m.schema == "main"), None)


def add_chat_work(conn: sqlite3.Connection, flat: Sequence[Chat], work: WorkScan, flt: Filter) -> None:
    """Set `work` on each of this device's chats whose folder is in a repository the store holds."""
    here = _this_device(flt)
    asked = [(c, key, c.row.first_ms, c.row.last_ms + CHAT_TAIL_MS) for c in flat
             if c.row.device == here and c.row.project and (key := work.repo_of.get(c.row.project)) is not None]
    for (chat, *_), found in zip(asked, span_sums(conn, [(k, a, b) for _, k, a, b in asked])):
        chat.work = found


def with_project_work(conn: sqlite3.Connection, rows: Sequence[ProjectRow], work: WorkScan,
                      flt: Filter) -> tuple[list[ProjectRow], WorkSum | None]:
    """The rows with their repository's commits in the window, and the total over their repositories (None when
    no row has figures)."""
    here = _this_device(flt)
    by_repo = window_sums(conn, flt.since_ms, flt.until_ms)
    out: list[ProjectRow] = []
    keys: set[str] = set()
    for r in rows:
        key = work.repo_of.get(r.project) if r.project and r.device == here else None
        found = by_repo.get(key) if key is not None else None
        if key is not None and found is not None:
            keys.add(key)
        out.append(dataclasses.replace(r, work=found))
    if not keys:
        return out, None
    sums = [by_repo[k] for k in keys]
    return out, WorkSum(sum(s.commits for s in sums), sum(s.lines_added for s in sums),
                        sum(s.lines_removed for s in sums), sum(s.files_changed for s in sums))
