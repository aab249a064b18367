"""The rows of the usage reports (`daily`/`weekly`/`monthly`, `sessions`, `projects`): per group of calls, the
token totals, cost and long-chat waste of the same calls (`window_waste.Figures`), grouped as each report
lists them. Qt-free and read-only; the CLI presents these rows (as tables or JSON), it computes nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import cast
from zoneinfo import ZoneInfo

from tokenpulse.insights.window_waste import Figures, RatesSource, figures_by, total
from tokenpulse.store import queries
from tokenpulse.store.queries import MONDAY, Filter, SessionRow
from tokenpulse.work.figures import WorkSum

BREAKDOWNS = ("agent", "model", "device")  # "device": when the filter reads several devices


# --- periods ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One period, agent (source) and model: the finest rows, as `daily --json` prints them."""

    period: str
    source: str
    model: str
    figures: Figures
    device: str = ""  # the device's label when the filter reads more than one device


@dataclass(frozen=True, slots=True)
class Part:
    """A period's share from one agent, one model (every agent together) or one device: the other two None."""

    source: str | None
    model: str | None
    figures: Figures
    device: str | None = None


@dataclass(frozen=True, slots=True)
class PeriodGroup:
    """One period: its totals over every agent, model and device, which it saw, and the breakdown."""

    period: str
    figures: Figures
    sources: list[str]
    models: list[str]
    parts: list[Part] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)  # '' for this device alone


def period_rows(conn: sqlite3.Connection, period: str, tz: ZoneInfo, flt: Filter, rates: RatesSource,
                week_start: int = MONDAY) -> list[PeriodRow]:
    """Rows per period, agent and model, sorted; `period` is "day", "week" or "month"."""
    span = queries.data_span(conn, flt)
    if span is None:
        return []
    label = queries.period_sql(period, tz, span, week_start)
    groups = figures_by(conn, flt, [label, "c.source", "c.model", "c.device"], rates)
    return [PeriodRow(str(p), str(s), str(m), g.figures, flt.device(cast(int, d)))
            for (p, s, m, d), g in sorted(groups.items())]


def group_periods(rows: list[PeriodRow], breakdown: str | None = None) -> list[PeriodGroup]:
    """One group per period (in order), with its rows summed per agent, model or device when `breakdown` says so."""
    if breakdown not in (None, *BREAKDOWNS):
        raise ValueError(f"breakdown {breakdown!r} is not one of {BREAKDOWNS}")
    by_period: dict[str, list[PeriodRow]] = {}
    for r in rows:
        by_period.setdefault(r.period, []).append(r)
    groups = []
    for period, members in by_period.items():
        parts: dict[str, Figures] = {}
        for r in members:
            name = r.source if breakdown == "agent" else r.device if breakdown == "device" else r.model
            parts[name] = parts[name].plus(r.figures) if name in parts else r.figures
        shown = [] if breakdown is None else [
            _part(breakdown, name, f)
            for name, f in sorted(parts.items(), key=lambda item: (-item[1].totals.output_tokens, item[0]))]
        groups.append(PeriodGroup(period, total(r.figures for r in members), sorted({r.source for r in members}),
                                  sorted({r.model for r in members}), shown, sorted({r.device for r in members})))
    return groups


def _part(breakdown: str, name: str, figures: Figures) -> Part:
    if breakdown == "agent":
        return Part(name, None, figures)
    if breakdown == "device":
        return Part(None, None, figures, name)
    return Part(None, name, figures)


# --- chats --------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Chat:
    """A chat's calls in the window; a parent lists the sub-agent chats folded under it."""

    row: SessionRow
    figures: Figures
    children: list[Chat] = field(default_factory=list)
    work: WorkSum | None = None  # commits while it ran, when read (insights.report_work)

    @property
    def family(self) -> Figures:
        """This chat and its sub-agent chats together."""
        return total([self.figures, *(c.figures for c in self.children)])

    @property
    def last_ms(self) -> int:
        return max([self.row.last_ms, *(c.row.last_ms for c in self.children)])


# a chat's columns depend on its id (per device): grouping by them too only carries them along
_CHAT_KEYS = ["c.device", "c.session_id", "c.source", "c.session_key", "c.parent_key", "c.project", "c.models"]


def chats(conn: sqlite3.Connection, flt: Filter, rates: RatesSource) -> list[Chat]:
    """Every chat with calls in the window, each with its figures (its own calls only), most recent first."""
    groups = figures_by(conn, flt, _CHAT_KEYS, rates, with_session=True)
    out = []
    for (device, sid, source, key, parent, project, models), g in groups.items():
        row = SessionRow(cast(int, sid), str(source), str(key), cast("str | None", parent),
                         cast("str | None", project), g.first_ms, g.last_ms, str(models), g.figures.totals,
                         flt.device(cast(int, device)))
        out.append(Chat(row, g.figures))
    out.sort(key=lambda c: (-c.row.last_ms, c.row.device, -c.row.id))
    return out


def fold(flat: list[Chat]) -> list[Chat]:
    """Sub-agent chats under their parent when the parent has calls in the window too (as the charts fold them),
    families most recent first, each family's sub-agent chats in the order they started."""
    by_key = {(c.row.device, c.row.source, c.row.session_key): c for c in flat}
    heads: list[Chat] = []
    for c in flat:
        c.children = []
    for c in flat:
        root = _root(c, by_key)
        if root is c:
            heads.append(c)  # a top-level chat, or a sub-agent chat whose parent has no call in the window
        else:
            root.children.append(c)
    for h in heads:
        h.children.sort(key=lambda k: (k.row.first_ms, k.row.id))
    heads.sort(key=lambda h: (-h.last_ms, -h.row.id))
    return heads


def _root(chat: Chat, by_key: dict[tuple[str, str, str], Chat]) -> Chat:
    """The furthest ancestor of `chat` with calls in the window (itself when its parent has none)."""
    seen = {id(chat)}
    while chat.row.parent_key is not None:
        parent = by_key.get((chat.row.device, chat.row.source, chat.row.parent_key))
        if parent is None or id(parent) in seen:  # outside the window, or a loop in damaged ids
            break
        seen.add(id(parent))
        chat = parent
    return chat


# --- projects -----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ProjectRow:
    """A working folder ('' when the logs do not say) and the chats with calls in it (on one device, when the
    filter reads several)."""

    project: str
    chats: int
    figures: Figures
    sources: list[str]
    device: str = ""
    work: WorkSum | None = None  # its repository's commits in the window, when read (insights.report_work)


def projects(flat: list[Chat]) -> list[ProjectRow]:
    """Per project folder, each chat under its own folder (as the charts group them), most output first."""
    members: dict[tuple[str, str], list[Chat]] = {}
    for c in flat:
        members.setdefault((c.row.project or "", c.row.device), []).append(c)
    rows = [ProjectRow(name, len(cs), total(c.figures for c in cs), sorted({c.row.source for c in cs}), device)
            for (name, device), cs in members.items()]
    return sorted(rows, key=lambda p: (-p.figures.totals.output_tokens, p.project, p.device))
