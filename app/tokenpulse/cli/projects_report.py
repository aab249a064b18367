"""`projects` as a table and JSON: per working folder, the chats with calls in it and their figures, most output
first. The default table fits 80 columns (a folder too long for its column stands whole on a line of its own,
above its figures); `--wide` shows every column. Columns and fields are lists: adding one is one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokenpulse.cli import cells
from tokenpulse.cli.cells import Field
from tokenpulse.cli.names import UNKNOWN_FOLDER, tilde
from tokenpulse.cli.style import Look
from tokenpulse.cli.table import Column, Row, Text, render
from tokenpulse.insights.chart_data import agent_label
from tokenpulse.insights.usage_report import ProjectRow
from tokenpulse.insights.window_waste import Figures, total
from tokenpulse.untrusted_text import json_text


@dataclass(frozen=True, slots=True)
class Line:
    project: str | None  # None: the totals row
    chats: int
    figures: Figures
    sources: tuple[str, ...] = ()


def _figures(line: Line) -> Figures:
    return line.figures


def _name(line: Line) -> str:
    return "Total" if line.project is None else line.project or UNKNOWN_FOLDER


def columns(wide: bool, home: str | None = None) -> list[Column[Line]]:
    chats: Column[Line] = Column("Chats", lambda ln: f"{ln.chats:,}", numeric=True)
    if wide:
        return [
            Column("Project", _name),
            Column("Agents", lambda ln: ", ".join(agent_label(s) for s in ln.sources)),
            chats,
            cells.calls(_figures),
            cells.input_(_figures, exact=True),
            cells.cache_write(_figures, exact=True),
            cells.cache_read(_figures, exact=True),
            cells.output(_figures, exact=True),
            cells.reasoning(_figures),
            cells.cost(_figures, exact=True),
            cells.waste_tokens(_figures),
            cells.waste_cost(_figures, exact=True),
            cells.waste_share(_figures),
        ]
    return [
        Column("Project", lambda ln: tilde(_name(ln), home), flex=True, min_width=16, own_line=True),
        chats,
        cells.output(_figures),
        cells.cache_read(_figures),
        cells.cost(_figures),
        cells.waste_cost(_figures),
        cells.waste_share(_figures),
    ]


def table(rows: list[ProjectRow], wide: bool, look: Look, home: str | None = None) -> str:
    """`home`: the user's home folder, shown as "~" in the default table."""
    lines: list[Row[Line] | Text] = [Row(Line(r.project, r.chats, r.figures, tuple(r.sources))) for r in rows]
    lines.append(Row(Line(None, sum(r.chats for r in rows), total(r.figures for r in rows)), style="bold",
                     total=True))
    return render(columns(wide, home), lines, look, fit=not wide)


FIELDS: list[Field[ProjectRow]] = [
    cells.field("project", lambda r: r.project or None),
    cells.field("chats", lambda r: r.chats),
    cells.figures_fields(lambda r: r.figures),
]


def json_rows(rows: list[ProjectRow]) -> str:
    return json_text([cells.json_row(FIELDS, r) for r in rows])
