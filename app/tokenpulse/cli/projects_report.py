"""`projects` as a table and JSON: per working folder, the chats with calls in it and their figures, most output
first. The default table fits 80 columns (a folder too long for its column stands whole on a line of its own,
above its figures); `--wide` shows every column. Beside the tokens, the folder's repository's commits in the
window (`insights.report_work`); over several devices (`--devices`), a row per folder and device. Columns and
fields are lists: adding one is one line.
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
from tokenpulse.work.figures import WorkSum


@dataclass(frozen=True, slots=True)
class Line:
    project: str | None  # None: the totals row
    chats: int
    figures: Figures
    sources: tuple[str, ...] = ()
    device: str = ""
    work: WorkSum | None = None


def _figures(line: Line) -> Figures:
    return line.figures


def _name(line: Line) -> str:
    return "Total" if line.project is None else line.project or UNKNOWN_FOLDER


def _work(line: Line) -> WorkSum | None:
    return line.work


def _line_device(line: Line) -> str:
    return line.device


def _row_device(row: ProjectRow) -> str:
    return row.device


def columns(wide: bool, home: str | None = None, devices: bool = False) -> list[Column[Line]]:
    chats: Column[Line] = Column("Chats", lambda ln: f"{ln.chats:,}", numeric=True)
    device: list[Column[Line]] = cells.device_column(devices, _line_device)
    if wide:
        return [
            Column("Project", _name),
            *device,
            Column("Agents", lambda ln: ", ".join(agent_label(s) for s in ln.sources)),
            chats,
            *cells.every_figure(_figures),
            cells.work(_work, wide=True),
        ]
    return [
        Column("Project", lambda ln: tilde(_name(ln), home), flex=True, min_width=16, own_line=True),
        *device,
        chats,
        cells.output(_figures),
        cells.cache_read(_figures, optional=True),  # the work beside the spend matters more at 80 columns
        cells.cost(_figures),
        cells.waste_cost(_figures),
        cells.waste_share(_figures),
        cells.work(_work),
    ]


def table(rows: list[ProjectRow], wide: bool, look: Look, home: str | None = None, devices: bool = False,
          work_total: WorkSum | None = None) -> str:
    """`home`: the user's home folder, shown as "~" in the default table; `work_total`: the commits of the
    listed folders' repositories, each once."""
    lines: list[Row[Line] | Text] = [Row(Line(r.project, r.chats, r.figures, tuple(r.sources), r.device, r.work))
                                     for r in rows]
    lines.append(Row(Line(None, sum(r.chats for r in rows), total(r.figures for r in rows), work=work_total),
                     style="bold", total=True))
    return render(columns(wide, home, devices), lines, look, fit=not wide)


def fields(devices: bool = False) -> list[Field[ProjectRow]]:
    return [
        cells.field("project", lambda r: r.project or None),
        *cells.device_field(devices, _row_device),
        cells.field("chats", lambda r: r.chats),
        cells.figures_fields(lambda r: r.figures),
        cells.work_fields(lambda r: r.work),
    ]


def json_rows(rows: list[ProjectRow], devices: bool = False) -> str:
    shown = fields(devices)
    return json_text([cells.json_row(shown, r) for r in rows])
