"""`sessions` as a table and JSON: one entry per chat, sub-agent chats folded under their parent (as the charts
fold them), the full session id shown so it can be pasted into `claude --resume` or `codex resume`.

The default table fits 80 columns: a chat's row (its figures with its sub-agent chats', "Claude Code (+2)"),
its session id in full on the line below, then one row per sub-agent chat. `--wide`: one line per chat with
every column. JSON: one row per chat with its own figures (a sub-agent chat names its `parent_session`), each
family's sub-agent chats right after their parent. Beside the tokens, the commits made in the chat's repository
while it ran (`insights.report_work`); over several devices (`--devices`), the device of each chat. Columns and
fields are lists: adding one is one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tokenpulse.cli import cells
from tokenpulse.cli.cells import Field
from tokenpulse.cli.names import UNKNOWN_FOLDER, short_model, short_project
from tokenpulse.cli.style import Look
from tokenpulse.cli.table import Column, Row, Text, render
from tokenpulse.insights.chart_data import agent_label
from tokenpulse.insights.usage_report import Chat
from tokenpulse.insights.window_waste import Figures, total
from tokenpulse.untrusted_text import json_text
from tokenpulse.work.figures import WorkSum

SUB_AGENT = "└ sub-agent"


@dataclass(frozen=True, slots=True)
class Line:
    """A table row: a chat (`head`, with its sub-agent chats' figures), a sub-agent chat, or the total."""

    chat: Chat | None  # None: the totals row
    figures: Figures
    head: bool = True
    parent_project: str | None = None
    chats: int = 0  # the totals row: how many chats


def _figures(line: Line) -> Figures:
    return line.figures


def _agent(line: Line) -> str:
    if line.chat is None:
        return f"{line.chats:,} chats"
    if not line.head:
        return SUB_AGENT
    label = agent_label(line.chat.row.source)
    return f"{label} (+{len(line.chat.children)})" if line.chat.children else label


def _project(line: Line, full: bool) -> str:
    if line.chat is None:
        return ""
    project = line.chat.row.project or ""
    if not line.head and project == (line.parent_project or ""):
        return ""  # the parent's folder, shown on the row above
    return (project or UNKNOWN_FOLDER) if full else short_project(project)


def _models(line: Line) -> str:
    """The chat's models (a family's row: its sub-agent chats' too), without snapshot dates."""
    if line.chat is None:
        return ""
    members = [line.chat, *line.chat.children] if line.head else [line.chat]
    return ", ".join(dict.fromkeys(short_model(m) for c in members for m in c.row.models.split(",") if m))


class _Clock:
    """Local times of calls: "02-21 15:06" when every chat listed is of this year, else with the year."""

    def __init__(self, tz: ZoneInfo, now_ms: int, chats: list[Chat]) -> None:
        self.tz = tz
        year = self._local(now_ms).year
        self.short = all(self._local(c.last_ms).year == year and self._local(c.row.first_ms).year == year
                         for c in chats)

    def _local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone(self.tz)

    def text(self, ms: int, full: bool = False) -> str:
        return self._local(ms).strftime("%m-%d %H:%M" if self.short and not full else "%Y-%m-%d %H:%M")


def _work(line: Line) -> WorkSum | None:
    return None if line.chat is None else line.chat.work


def _device(line: Line) -> str:
    return "" if line.chat is None or not line.head else line.chat.row.device


def columns(clock: _Clock, wide: bool, devices: bool = False) -> list[Column[Line]]:
    def last(ln: Line) -> str:
        if ln.chat is None:
            return "Total"
        return clock.text(ln.chat.last_ms if ln.head else ln.chat.row.last_ms, full=wide)

    if wide:
        return [
            Column("Last call", last, whole=True),
            Column("First call", lambda ln: "" if ln.chat is None else clock.text(ln.chat.row.first_ms, True)),
            *cells.device_column(devices, _device),
            Column("Agent", _agent),
            Column("Session", lambda ln: "" if ln.chat is None else ln.chat.row.session_key),
            Column("Project", lambda ln: _project(ln, full=True)),
            Column("Models", _models),
            *cells.every_figure(_figures),
            cells.work(_work, wide=True),
        ]
    return [
        Column("Last call", last, whole=True),
        *cells.device_column(devices, _device),
        Column("Agent", _agent),
        Column("Project", lambda ln: _project(ln, full=False), flex=True, min_width=12, keep_end=True),
        cells.output(_figures),
        cells.cache_read(_figures, optional=True),
        cells.cost(_figures),
        cells.waste_cost(_figures),
        cells.waste_share(_figures),
        cells.work(_work, optional=True),  # on a terminal wider than 80 columns
    ]


def table(families: list[Chat], tz: ZoneInfo, now_ms: int, wide: bool, look: Look, devices: bool = False) -> str:
    clock = _Clock(tz, now_ms, families)
    lines: list[Row[Line] | Text] = []
    for head in families:
        lines.append(Row(Line(head, head.family)))
        if not wide:
            lines.append(Text(head.row.session_key, indent=2))
        lines.extend(Row(Line(c, c.figures, head=False, parent_project=head.row.project), style="dim")
                     for c in head.children)
    count = sum(1 + len(h.children) for h in families)
    lines.append(Row(Line(None, total(h.family for h in families), chats=count), style="bold", total=True))
    return render(columns(clock, wide, devices), lines, look, fit=not wide)


# --- JSON -------------------------------------------------------------------------------------------------

def _chat_device(chat: Chat) -> str:
    return chat.row.device


def fields(tz: ZoneInfo, devices: bool = False) -> list[Field[Chat]]:
    def local(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return [
        *cells.device_field(devices, _chat_device),
        cells.field("source", lambda c: c.row.source),
        cells.field("session", lambda c: c.row.session_key),
        cells.field("parent_session", lambda c: c.row.parent_key),
        cells.field("project", lambda c: c.row.project),
        cells.field("first_call", lambda c: local(c.row.first_ms)),
        cells.field("last_call", lambda c: local(c.row.last_ms)),
        cells.field("models", lambda c: c.row.models.split(",") if c.row.models else []),
        cells.figures_fields(lambda c: c.figures),
        cells.work_fields(lambda c: c.work),
    ]


def json_rows(families: list[Chat], tz: ZoneInfo, devices: bool = False) -> str:
    shown = fields(tz, devices)
    return json_text([cells.json_row(shown, c) for head in families for c in (head, *head.children)])
