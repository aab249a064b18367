"""`daily`, `weekly`, `monthly` as tables and JSON.

Tables: one row per period with its totals (every agent and model together); `--breakdown agent|model` adds
the period's rows per agent or per model under it. JSON: one row per period, agent (`source`) and model, the
contract `daily --json` has always kept; `--group period` gives one row per period instead (with the
breakdown nested when asked). A report over several devices (`--devices`) breaks each period down per device
unless asked otherwise, and its JSON rows say their `device`. Columns and fields are lists: adding one is one
line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokenpulse.cli import cells
from tokenpulse.cli.cells import Field
from tokenpulse.cli.names import short_model
from tokenpulse.cli.style import Look
from tokenpulse.cli.table import Column, Row, Text, render
from tokenpulse.insights.chart_data import agent_label
from tokenpulse.insights.usage_report import Part, PeriodGroup, PeriodRow
from tokenpulse.insights.window_waste import Figures, total
from tokenpulse.untrusted_text import json_text

KEYS = {"day": "date", "week": "week", "month": "month"}  # the period's JSON key and table header
GROUPS = ("model", "period")


@dataclass(frozen=True, slots=True)
class Line:
    """A table row: a period, one agent's or model's part of it (`part`), or the total."""

    label: str
    figures: Figures
    sources: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    part: bool = False


def _figures(line: Line) -> Figures:
    return line.figures


def _agents(line: Line) -> str:
    return ", ".join(agent_label(s) for s in line.sources)


def _models(line: Line) -> str:
    return ", ".join(dict.fromkeys(short_model(m) for m in line.models))


def columns(key: str, wide: bool) -> list[Column[Line]]:
    head = key.capitalize()
    if wide:
        return [
            Column(head, lambda ln: ln.label),
            Column("Agents", _agents),
            Column("Models", _models),
            *cells.every_figure(_figures),
        ]
    return [
        Column(head, lambda ln: ln.label, flex=True, min_width=20),
        cells.output(_figures),
        cells.input_(_figures, optional=True),
        cells.cache_write(_figures),
        cells.cache_read(_figures),
        cells.cost(_figures),
        cells.waste_cost(_figures),
        cells.waste_share(_figures),
    ]


def _part_label(p: Part) -> str:
    if p.device is not None:
        return "└ " + p.device
    return "└ " + (agent_label(p.source) if p.source is not None else short_model(p.model or ""))


def table(groups: list[PeriodGroup], key: str, wide: bool, look: Look) -> str:
    lines: list[Row[Line] | Text] = []
    for g in groups:
        lines.append(Row(Line(g.period, g.figures, g.sources, g.models)))
        lines.extend(Row(Line(_part_label(p), p.figures, [p.source] if p.source else [],
                              [p.model] if p.model else [], part=True), style="dim") for p in g.parts)
    everything = total(g.figures for g in groups)
    lines.append(Row(Line("Total", everything, sorted({s for g in groups for s in g.sources}),
                          sorted({m for g in groups for m in g.models})), style="bold", total=True))
    return render(columns(key, wide), lines, look, fit=not wide)


# --- JSON -------------------------------------------------------------------------------------------------

def _row_device(row: PeriodRow) -> str:
    return row.device


def _group_devices(group: PeriodGroup) -> list[str]:
    return group.devices


def row_fields(key: str, devices: bool = False) -> list[Field[PeriodRow]]:
    """`daily --json`: one row per period, agent and model (the contract the README shows), and device when
    several are read."""
    return [
        cells.field(key, lambda r: r.period),
        *cells.device_field(devices, _row_device),
        cells.field("source", lambda r: r.source),
        cells.field("model", lambda r: r.model),
        cells.figures_fields(lambda r: r.figures),
    ]


def group_fields(key: str, devices: bool = False) -> list[Field[PeriodGroup]]:
    """`--group period`: one row per period."""
    return [
        cells.field(key, lambda g: g.period),
        *([cells.field("devices", _group_devices)] if devices else []),
        cells.field("sources", lambda g: g.sources),
        cells.field("models", lambda g: g.models),
        cells.figures_fields(lambda g: g.figures),
    ]


PART_FIELDS: list[Field[Part]] = [
    lambda p: {"source": p.source} if p.source is not None else {"device": p.device} if p.device is not None
    else {"model": p.model},
    cells.figures_fields(lambda p: p.figures),
]


def json_rows(rows: list[PeriodRow], key: str, devices: bool = False) -> str:
    fields = row_fields(key, devices)
    return json_text([cells.json_row(fields, r) for r in rows])


def json_groups(groups: list[PeriodGroup], key: str, breakdown: str | None, devices: bool = False) -> str:
    fields = group_fields(key, devices)
    out = []
    for g in groups:
        row = cells.json_row(fields, g)
        if breakdown is not None:
            row["breakdown"] = [cells.json_row(PART_FIELDS, p) for p in g.parts]
        out.append(row)
    return json_text(out)
