"""Work beside tokens, per project and day: commits and lines next to output tokens, cost and waste (pure).

A project here is a repository: every folder the agents worked in that lies in one repository (its worktrees
and sub-folders) adds to it, named by its main work tree. A folder outside any repository stays a project of
its own and has no work figures (None, never zero). Ratios are facts with their counts beside them, never a
score; days with commits and no agent use, and days with agent use and no commits, are both listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tokenpulse.insights.spend_days import DaySpend
from tokenpulse.work.figures import CommitFigures, WorkSum
from tokenpulse.work.reader import WorkScan


@dataclass(frozen=True, slots=True)
class Ratio:
    """A quotient shown with what it divides: `value` is None when either side is unknown or the divisor is 0."""

    numerator: float | None
    denominator: int

    @property
    def value(self) -> float | None:
        if self.numerator is None or self.denominator <= 0:
            return None
        return self.numerator / self.denominator

    def as_dict(self, numerator: str, denominator: str, digits: int = 6) -> dict[str, object]:
        v = self.value
        num = self.numerator
        return {"value": None if v is None else round(v, digits),
                numerator: None if num is None else (round(num, 6) if isinstance(num, float) else num),
                denominator: self.denominator}


@dataclass(frozen=True, slots=True)
class ProjectDay:
    project: str
    day: str  # local YYYY-MM-DD
    spend: DaySpend
    work: WorkSum | None  # None: the project is not (or no longer) a readable repository

    @property
    def agents_only(self) -> bool:
        return self.work is not None and self.spend.calls > 0 and self.work.commits == 0

    @property
    def commits_only(self) -> bool:
        return self.work is not None and self.work.commits > 0 and self.spend.calls == 0


@dataclass(frozen=True, slots=True)
class ProjectWork:
    """A project's range: spend, work, the ratios, and the days where only one side happened."""

    project: str
    folders: tuple[str, ...]  # the agents' folders in it (sub-folders, worktrees)
    spend: DaySpend
    work: WorkSum | None
    days_with_commits_no_agents: tuple[str, ...] = ()
    days_with_agents_no_commits: tuple[str, ...] = ()

    @property
    def cost_per_commit(self) -> Ratio:
        return Ratio(self.spend.cost_usd, self.work.commits if self.work else 0)

    @property
    def output_per_changed_line(self) -> Ratio:
        return Ratio(self.spend.output_tokens, self.work.lines_changed if self.work else 0)

    def as_dict(self) -> dict[str, object]:
        work = self.work
        return {"project": self.project or None, "folders": list(self.folders), **self.spend.as_dict(),
                **(work.as_dict() if work else dict.fromkeys(("commits", "lines_added", "lines_removed",
                                                               "files_changed"))),
                "cost_per_commit": self.cost_per_commit.as_dict("cost_usd", "commits") if work else None,
                "output_tokens_per_changed_line": (self.output_per_changed_line.as_dict(
                    "output_tokens", "lines_changed", 3) if work else None),
                "days_with_commits_no_agents": list(self.days_with_commits_no_agents) if work else None,
                "days_with_agents_no_commits": list(self.days_with_agents_no_commits) if work else None}


@dataclass(slots=True)
class _Group:
    folders: list[str] = field(default_factory=list)
    repo: str | None = None
    days: dict[str, DaySpend] = field(default_factory=dict)


def local_day(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone(tz).strftime("%Y-%m-%d")


def in_window(commits: Iterable[CommitFigures], since_ms: int | None, until_ms: int | None) -> list[CommitFigures]:
    """The commits authored in [since_ms, until_ms) (None: unbounded)."""
    return [c for c in commits if (since_ms is None or c.author_ms >= since_ms)
            and (until_ms is None or c.author_ms < until_ms)]


def folder_work(folder: str, scan: WorkScan, since_ms: int | None, until_ms: int | None) -> WorkSum | None:
    """The work figures of one folder's repository in the window (the `projects` report's per-folder view)."""
    commits = scan.commits(folder)
    if commits is None:
        return None
    total = WorkSum()
    for c in in_window(commits.values(), since_ms, until_ms):
        total = total.plus(c)
    return total


def _groups(spend: Mapping[tuple[str, str], DaySpend], scan: WorkScan) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for folder in {*(f for f, _ in spend), *scan.repo_of}:
        key = scan.repo_of.get(folder)
        g = groups.setdefault(_name(folder, scan), _Group())
        g.folders.append(folder)
        if key is not None and key in scan.repos:
            g.repo = key
    for (folder, day), s in spend.items():
        g = groups[_name(folder, scan)]
        g.days[day] = g.days[day].plus(s) if day in g.days else s
    return groups


def _name(folder: str, scan: WorkScan) -> str:
    key = scan.repo_of.get(folder)
    return scan.labels.get(key, folder) if key is not None and key in scan.repos else folder


def project_days(spend: Mapping[tuple[str, str], DaySpend], scan: WorkScan, tz: ZoneInfo,
                 since_ms: int | None = None, until_ms: int | None = None) -> list[ProjectDay]:
    """Per project and local day, spend beside work, over the days either happened in the window; sorted."""
    out: list[ProjectDay] = []
    for name, g in _groups(spend, scan).items():
        by_day: dict[str, WorkSum] = {}
        if g.repo is not None:
            for c in in_window(scan.repos[g.repo].commits.values(), since_ms, until_ms):
                d = local_day(c.author_ms, tz)
                by_day[d] = by_day.get(d, WorkSum()).plus(c)
        for day in sorted({*g.days, *by_day}):
            work = by_day.get(day, WorkSum()) if g.repo is not None else None
            out.append(ProjectDay(name, day, g.days.get(day, DaySpend()), work))
    out.sort(key=lambda r: (r.project, r.day))
    return out


def project_totals(days: Iterable[ProjectDay], scan: WorkScan) -> list[ProjectWork]:
    """The range per project, largest output first; only projects with spend or commits in the window."""
    folders: dict[str, list[str]] = {}
    for folder in scan.repo_of:
        folders.setdefault(_name(folder, scan), []).append(folder)
    acc: dict[str, tuple[DaySpend, WorkSum | None, list[str], list[str]]] = {}
    for r in days:
        spend, work, commits_only, agents_only = acc.get(r.project, (DaySpend(), None, [], []))
        if r.work is not None:
            work = (work or WorkSum())
            work = WorkSum(work.commits + r.work.commits, work.lines_added + r.work.lines_added,
                           work.lines_removed + r.work.lines_removed, work.files_changed + r.work.files_changed)
        if r.commits_only:
            commits_only.append(r.day)
        if r.agents_only:
            agents_only.append(r.day)
        acc[r.project] = (spend.plus(r.spend), work, commits_only, agents_only)
    out = [ProjectWork(name, tuple(sorted(folders.get(name, [name]))), spend, work, tuple(co), tuple(ao))
           for name, (spend, work, co, ao) in acc.items()]
    out.sort(key=lambda p: (-p.spend.output_tokens, p.project))
    return out


def overall_days(days: Iterable[ProjectDay]) -> tuple[list[str], list[str]]:
    """Across every repository: (days with commits and no agent use anywhere, days with agent use in a
    repository and no commit in any). Folders outside repositories take no part."""
    calls: dict[str, int] = {}
    commits: dict[str, int] = {}
    for r in days:
        if r.work is None:
            continue
        calls[r.day] = calls.get(r.day, 0) + r.spend.calls
        commits[r.day] = commits.get(r.day, 0) + r.work.commits
    all_days = sorted({*calls, *commits})
    return ([d for d in all_days if commits.get(d, 0) and not calls.get(d, 0)],
            [d for d in all_days if calls.get(d, 0) and not commits.get(d, 0)])
