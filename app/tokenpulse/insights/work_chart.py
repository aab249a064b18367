"""What the charts show of the work read from git (Qt-free): work beside spend per project and local day
(Projects), commits per day over every repository (Overview), and a chat's commits placed on its curve (Chats).

Read-only, from the store (the work tables the app keeps current, and the rollups for the spend side), on the
charts' worker threads. A project here is a repository: the folders the agents worked in that lie in one
repository (its sub-folders and worktrees) add up under its main folder; a folder outside any repository is a
project of its own with no work figures (None, never zero). Facts with their counts, never a score.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from tokenpulse.insights.chart_data import DayRange, add_known
from tokenpulse.insights.chat_work import CHAT_TAIL_MS
from tokenpulse.insights.work_beside import Ratio
from tokenpulse.store.localtime import local_day_sql
from tokenpulse.work.figures import WorkSum


def _has_work_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'git_commit'").fetchone() \
        is not None


# --- Projects: work beside spend ----------------------------------------------------------------------------

@dataclass(slots=True)
class ProjectBeside:
    """One project over the range's days (zero-filled): the agents' spend and, for a repository, the work."""

    name: str  # the repository's main folder, or the folder itself
    folders: list[str]  # the agents' folders in it
    days: list[str]
    calls: list[int]
    output: list[int]
    cost: list[float | None]  # None: no call that day has a known price
    work: list[WorkSum] | None  # per day; None: not a repository (or not readable)
    # long-chat waste per day: the chats' own figures per quarter-hour (waste_rollup, from the walk that gives
    # chat_stats), so a day's waste is its chats' and the Projects table's waste column adds up to it
    waste_tokens: list[int] = field(default_factory=list)
    waste_cost: list[float | None] = field(default_factory=list)  # None: no wasteful call with a known price

    @property
    def total_output(self) -> int:
        return sum(self.output)

    @property
    def total_cost(self) -> float | None:
        return reduce(add_known, self.cost, None)

    @property
    def total_waste_tokens(self) -> int:
        return sum(self.waste_tokens)

    @property
    def total_waste_cost(self) -> float | None:
        return reduce(add_known, self.waste_cost, None)

    @property
    def total_work(self) -> WorkSum | None:
        if self.work is None:
            return None
        return WorkSum(*(sum(getattr(w, k) for w in self.work)
                         for k in ("commits", "lines_added", "lines_removed", "files_changed")))

    @property
    def cost_per_commit(self) -> Ratio:
        total = self.total_work
        return Ratio(self.total_cost, total.commits if total else 0)

    @property
    def output_per_changed_line(self) -> Ratio:
        total = self.total_work
        return Ratio(self.total_output, total.lines_changed if total else 0)

    @property
    def days_with_commits_no_agents(self) -> list[str]:
        if self.work is None:
            return []
        return [d for d, w, n in zip(self.days, self.work, self.calls) if w.commits and not n]

    @property
    def days_with_agents_no_commits(self) -> list[str]:
        if self.work is None:
            return []
        return [d for d, w, n in zip(self.days, self.work, self.calls) if n and not w.commits]


@dataclass(slots=True)
class WorkBeside:
    """Every project with spend or commits in the range, and which project each agent folder is in."""

    days: list[str]
    projects: dict[str, ProjectBeside] = field(default_factory=dict)
    project_of: dict[str, str] = field(default_factory=dict)  # agent folder -> project name
    read: bool = False  # whether the store holds any work read from git at all

    def of_folder(self, folder: str) -> ProjectBeside | None:
        name = self.project_of.get(folder, folder)
        return self.projects.get(name)


def _repos_of_folders(conn: sqlite3.Connection) -> tuple[dict[str, str], dict[str, str]]:
    """({agent folder: repository key}, {repository key: its main folder}) for folders in a readable repository."""
    rows = conn.execute("SELECT p.project, r.git_dir, r.label FROM project_repo p JOIN git_repo r"
                        " ON r.id = p.repo_id").fetchall()
    return {p: k for p, k, _ in rows}, {k: label for _, k, label in rows}


def work_beside(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> WorkBeside:
    """Per project and local day: calls, output tokens and cost (from the rollups) beside commits and lines."""
    days = rng.days()
    pos = {d: i for i, d in enumerate(days)}
    out = WorkBeside(days)
    lo, hi = rng.window_ms(tz)
    have_work = _has_work_tables(conn)
    repo_of, labels = _repos_of_folders(conn) if have_work else ({}, {})
    out.read = bool(labels)

    def project(name: str, repo: bool) -> ProjectBeside:
        if name not in out.projects:
            n = len(days)
            out.projects[name] = ProjectBeside(name, [], days, [0] * n, [0] * n, [None] * n,
                                               [WorkSum() for _ in days] if repo else None, [0] * n, [None] * n)
        return out.projects[name]

    def spent(folder: str) -> ProjectBeside:
        repo = repo_of.get(folder)
        p = project(labels[repo] if repo else folder, repo is not None)
        if folder not in p.folders:
            p.folders.append(folder)
        return p

    for folder, key in repo_of.items():
        out.project_of[folder] = labels[key]
    def folder_days(table: str, sums: str) -> Iterator[tuple[ProjectBeside, int, list[Any]]]:
        """A per-chat rollup's `sums` per working folder and local day of the range: (its project, the day's
        index, the sums)."""
        day = local_day_sql("t.bucket_ms", tz, lo, hi)
        for folder, d, *values in conn.execute(
                f"SELECT coalesce(s.project, ''), {day}, {sums} FROM {table} t JOIN chat_session s"
                " ON s.id = t.session_id WHERE t.bucket_ms >= ? AND t.bucket_ms < ? GROUP BY 1, 2", (lo, hi)):
            i = pos.get(d)
            if i is not None:
                yield spent(folder), i, values

    for p, i, (calls, output, cost) in folder_days("usage_rollup", "sum(t.calls), sum(t.output), sum(t.cost_usd)"):
        p.calls[i] += int(calls or 0)
        p.output[i] += int(output or 0)
        p.cost[i] = add_known(p.cost[i], cost)
    for p, i, (waste, waste_cost) in folder_days("waste_rollup", "sum(t.waste_tokens), sum(t.waste_cost_usd)"):
        p.waste_tokens[i] += int(waste or 0)
        p.waste_cost[i] = add_known(p.waste_cost[i], waste_cost)
    if have_work:
        day = local_day_sql("c.author_ms", tz, lo, hi)
        for key, d, n, added, removed, files in conn.execute(
                f"SELECT r.git_dir, {day}, count(*), sum(c.lines_added), sum(c.lines_removed), sum(c.files_changed)"
                " FROM git_commit c JOIN git_repo r ON r.id = c.repo_id WHERE c.author_ms >= ? AND c.author_ms < ?"
                " GROUP BY 1, 2", (lo, hi)):
            at = pos.get(d)
            if at is None or key not in labels:
                continue  # a repository no agent folder lies in any more
            p = project(labels[key], True)
            p.work[at] = WorkSum(int(n), int(added), int(removed), int(files))  # type: ignore[index]
    for folder, name in out.project_of.items():
        if name in out.projects and folder not in out.projects[name].folders:
            out.projects[name].folders.append(folder)
    for p in out.projects.values():
        p.folders.sort()
    return out


BESIDE_HEAD = ["project", "day", "folders", "calls", "output", "cost_usd", "waste_tokens", "waste_cost_usd",
               "commits", "lines_added", "lines_removed", "files_changed", "lines_changed", "cost_per_commit_usd",
               "output_tokens_per_changed_line"]


def _money(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _ratio(r: Ratio, digits: int) -> float | None:
    v = r.value
    return None if v is None else round(v, digits)


def beside_table(data: WorkBeside) -> tuple[list[str], list[list[object]]]:
    """CSV rows: per project, a "range" row (its totals and the ratios over the range, their counts in the
    commits and lines_changed cells) and then one row per day with calls or commits. Work cells are empty for
    a folder that is not a repository (never 0); a ratio is empty when its divisor is 0 or its cost unknown."""
    rows: list[list[object]] = []
    for p in sorted(data.projects.values(), key=lambda p: p.name):
        total = p.total_work
        rows.append([p.name, "range", "; ".join(p.folders), sum(p.calls), p.total_output, _money(p.total_cost),
                     p.total_waste_tokens, _money(p.total_waste_cost), *_work_cells(total),
                     *(["", ""] if total is None else [_ratio(p.cost_per_commit, 6),
                                                       _ratio(p.output_per_changed_line, 3)])])
        for i, d in enumerate(p.days):
            w = p.work[i] if p.work is not None else None
            if not p.calls[i] and not (w and w.commits):
                continue
            cost = p.cost[i]
            cells = [p.name, d, "", p.calls[i], p.output[i], _money(cost), p.waste_tokens[i],
                     _money(p.waste_cost[i]), *_work_cells(w)]
            if w is None:
                cells += ["", ""]
            else:
                cells += [_ratio(Ratio(cost, w.commits), 6), _ratio(Ratio(p.output[i], w.lines_changed), 3)]
            rows.append(cells)
    return list(BESIDE_HEAD), rows


def _work_cells(w: WorkSum | None) -> list[object]:
    if w is None:
        return ["", "", "", "", ""]
    return [w.commits, w.lines_added, w.lines_removed, w.files_changed, w.lines_changed]


# --- Overview: commits per day over every repository ------------------------------------------------------

@dataclass(slots=True)
class CommitDays:
    """The user's commits per local day (zero-filled) in every repository the agents worked in, each once."""

    days: list[str]
    commits: list[int]
    lines_added: list[int]
    lines_removed: list[int]
    repositories: int  # repositories with work figures (0: nothing read from git yet, or none found)


def commits_per_day(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> CommitDays:
    days = rng.days()
    n = len(days)
    out = CommitDays(days, [0] * n, [0] * n, [0] * n, 0)
    if not _has_work_tables(conn):
        return out
    out.repositories = int(conn.execute("SELECT count(*) FROM git_repo").fetchone()[0])
    lo, hi = rng.window_ms(tz)
    pos = {d: i for i, d in enumerate(days)}
    day = local_day_sql("author_ms", tz, lo, hi)
    for d, count, added, removed in conn.execute(
            f"SELECT {day}, count(*), sum(lines_added), sum(lines_removed) FROM git_commit"
            " WHERE author_ms >= ? AND author_ms < ? GROUP BY 1", (lo, hi)):
        i = pos.get(d)
        if i is not None:
            out.commits[i], out.lines_added[i], out.lines_removed[i] = int(count), int(added), int(removed)
    return out


# --- Chats: one chat's commits on its curve ----------------------------------------------------------------

@dataclass(slots=True)
class ChatCommits:
    """The commits made in a chat's folder's repository from its first call to 30 minutes after its last."""

    session_id: int
    repository: str | None  # its main folder; None: the chat's folder is not a readable repository
    times_ms: list[int] = field(default_factory=list)  # author times, in order
    lines_added: list[int] = field(default_factory=list)
    lines_removed: list[int] = field(default_factory=list)
    files_changed: list[int] = field(default_factory=list)

    @property
    def total(self) -> WorkSum | None:
        if self.repository is None:
            return None
        return WorkSum(len(self.times_ms), sum(self.lines_added), sum(self.lines_removed), sum(self.files_changed))


def chat_commits(conn: sqlite3.Connection, session_id: int, tail_ms: int = CHAT_TAIL_MS) -> ChatCommits:
    out = ChatCommits(session_id, None)
    if not _has_work_tables(conn):
        return out
    row = conn.execute(
        "SELECT s.first_ms, s.last_ms, r.id, r.label FROM chat_session s JOIN project_repo p ON p.project = s.project"
        " JOIN git_repo r ON r.id = p.repo_id WHERE s.id = ?", (session_id,)).fetchone()
    if row is None:
        return out
    first, last, rid, label = row
    out.repository = label
    for when, added, removed, files in conn.execute(
            "SELECT author_ms, lines_added, lines_removed, files_changed FROM git_commit"
            " WHERE repo_id = ? AND author_ms BETWEEN ? AND ? ORDER BY author_ms", (rid, first, last + tail_ms)):
        out.times_ms.append(int(when))
        out.lines_added.append(int(added))
        out.lines_removed.append(int(removed))
        out.files_changed.append(int(files))
    return out


def call_positions(call_ms: Sequence[int], times_ms: Sequence[int], tail_ms: int = CHAT_TAIL_MS) -> list[float]:
    """Where each time falls on a curve whose x is the call number (1 … n): between two calls in proportion to
    the time between them; after the last call, within one step past it in proportion to the 30-minute tail;
    before the first, on it."""
    n = len(call_ms)
    out = []
    for t in times_ms:
        if n == 0:
            out.append(1.0)
            continue
        i = bisect.bisect_right(call_ms, t) - 1  # the last call at or before t
        if i < 0:
            out.append(1.0)
        elif i == n - 1:
            out.append(n + min(1.0, max(0.0, (t - call_ms[-1]) / tail_ms)) if tail_ms > 0 else float(n))
        else:
            gap = call_ms[i + 1] - call_ms[i]
            out.append(i + 1 + ((t - call_ms[i]) / gap if gap > 0 else 0.0))
    return out
