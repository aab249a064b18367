"""What every view shares: the request it answers (zone, days, recap allowance) and the view protocol."""

from __future__ import annotations

import html
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QLabel, QWidget

from tokenpulse.gui.charts.axes import DAY_S
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import Theme, usd
from tokenpulse.insights import chart_data
from tokenpulse.insights.chart_data import Daily, DayRange
from tokenpulse.insights.chart_periods import UNIT_WORDS
from tokenpulse.insights.spend_facts import SpendFacts
from tokenpulse.presenters.waste_text import facts_text, share_text
from tokenpulse.store.sync.ledgers import LedgerSet, attach
from tokenpulse.store.sync.scope import DeviceScope

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Request:
    """What to show: a preset range ("7d" … "all") or chosen days, in a zone, as of `today`."""

    tz: ZoneInfo
    today: date
    preset: str | None = "30d"
    first: date | None = None
    last: date | None = None
    recap_allowance: int = 5_000
    ledgers: LedgerSet | None = None  # all machines: this device's store and the other devices' copies

    @property
    def key(self) -> tuple[object, ...]:
        return (self.tz.key, self.today, self.preset, self.first, self.last, self.recap_allowance, self.ledgers)

    def resolve(self, conn: sqlite3.Connection, scope: DeviceScope | None = None) -> DayRange:
        """The local days (on the worker: "all" asks the store where the data starts)."""
        if self.preset is None and self.first is not None and self.last is not None:
            return DayRange(min(self.first, self.last), max(self.first, self.last))
        preset = self.preset or "30d"
        span = chart_data.data_days(conn, self.tz, scope) if preset == "all" else None
        return chart_data.preset_range(preset, self.today, span[0] if span else None)

    def devices(self, conn: sqlite3.Connection) -> tuple[DayRange, DeviceScope | None]:
        """For the views that follow the machines switch: the other devices' copies attached (read-only) to
        this job's connection, and the days over all of them."""
        scope = attach(conn, self.ledgers) if self.ledgers is not None and not self.ledgers.this_only else None
        return self.resolve(conn, scope), scope


@dataclass(frozen=True, slots=True)
class Result:
    range: DayRange
    data: Any


def day_x(days: list[str]) -> np.ndarray:
    """x positions of local days (any, not only consecutive ones: a week's Monday, a month's 1st): seconds
    since 1970-01-01 at each day's start, as the date axis expects."""
    return np.array([(date.fromisoformat(d) - _EPOCH).days * DAY_S for d in days], dtype=float)


def nan_list(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def pretty_day(day: str) -> str:
    return date.fromisoformat(day).strftime("%a %d %b %Y")


def period_label(unit: str) -> str:
    """"per day", "per week (Monday–Sunday)", "per month": what one bar is, for titles."""
    return UNIT_WORDS.get(unit, "per day")


def period_slots(d: Daily) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each period's bar centre (x), bar width and slot width (its whole length), in axis seconds."""
    lengths = np.asarray(d.lengths or [1] * len(d.days), dtype=float)
    centres = day_x(d.days) + (lengths - 1) / 2 * DAY_S
    return centres, lengths * DAY_S * 0.8, lengths * DAY_S


def period_title(d: Daily, i: int) -> str:
    """"Tue 14 Mar 2026 (today, so far)", "week of Mon 09 Mar 2026", "March 2026 (so far)"."""
    first = date.fromisoformat(d.days[i])
    if d.unit == "week":
        text = f"week of {pretty_day(d.days[i])}"
    elif d.unit == "month":
        text = first.strftime("%B %Y")
    else:
        text = pretty_day(d.days[i])
    if d.partial and d.partial[i]:
        text += " (so far)" if d.unit == "day" else " (part of it)"
    return text


def facts_line(facts: SpendFacts, cost: float | None) -> str:
    """The charts' footer: the range's long-chat waste and where its cache-read spend went (rich text)."""
    parts = []
    if facts.waste_cost:
        share = html.escape(share_text(facts.waste_cost / cost)) if cost else "–"
        parts.append(f"long-chat waste <b>{usd(facts.waste_cost)}</b> ({share} of the cost)")
    found = facts_text(facts, amount=False)  # the footer's figures give the amounts; the facts are shares
    if found:
        parts.append(html.escape(found))
    return " · ".join(parts) if parts else "no cache-read spend with a known price in these days"


class PartialMarks:
    """"so far" over today's bar (or this week's, this month's), "part" over a period the range cuts."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.labels: list[pg.TextItem] = []

    def set_data(self, x: np.ndarray, tops: np.ndarray, d: Daily, theme: Theme, y_top: float) -> None:
        marks = [i for i, p in enumerate(d.partial) if p]
        while len(self.labels) < len(marks):
            label = pg.TextItem(anchor=(1.0, 1.0))
            label.setZValue(30)
            self.plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        last = len(d.days) - 1
        for k, label in enumerate(self.labels):
            label.setVisible(k < len(marks))
            if k < len(marks):
                i = marks[k]
                back = QColor(theme.background)
                back.setAlpha(200)
                label.fill = pg.mkBrush(back)
                label.setText("so far" if i == last else "part", color=theme.foreground)
                # right-aligned on the bar: the last one sits at the plot's right edge
                label.setAnchor((1.0, 1.0) if i == last else (0.0, 1.0))
                label.setPos(float(x[i]), float(tops[i]) + y_top * 0.005)


class ChartView(QWidget):
    """A tab of the window. The window fetches `query(request)` on a worker and hands the result to `apply`."""

    name = ""
    title = ""
    keeps_connection = False  # its queries share the Fetcher's kept connection (their temporary tables)
    sig_changed = Signal()  # redrawn from data already fetched (a toggle): the window re-announces the view
    sig_reload_requested = Signal()  # the view's own query changed (sort, filter): the window fetches again

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.result: Result | None = None

    def query(self, request: Request) -> Query:
        raise NotImplementedError

    def apply(self, result: Result) -> None:
        raise NotImplementedError

    def export_item(self) -> QGraphicsItem:
        """The pyqtgraph item the PNG export renders."""
        raise NotImplementedError

    def export_title(self) -> str:
        """Rich text drawn above the chart in a PNG export: what it shows and which days."""
        days = f" · {self.result.range.first} … {self.result.range.last}" if self.result is not None else ""
        return f"tokenpulse · {self.title}{days}"

    def clear_hover(self) -> None:
        """Forget what the mouse pointed at (before an export: no hover marker in the image)."""

    def export_legend(self) -> str:
        """Rich text drawn under the title of a PNG export: what the colours mean (the window shows it beside
        the plot, outside what is exported)."""
        return ""

    def table(self) -> tuple[list[str], list[list[object]]]:
        """The view's data as CSV rows (header, rows)."""
        raise NotImplementedError

    def table_query(self, request: Request) -> Query | None:
        """When the CSV needs more than the view holds: a query returning (header, rows), run on a worker."""
        return None

    def state_key(self) -> tuple[object, ...]:
        """What besides the request decides the view's query (part of the cache key)."""
        return ()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        if self.result is not None:
            self.apply(self.result)


def readout_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setMinimumHeight(38)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def plot_widget(**axes: pg.AxisItem) -> pg.PlotWidget:
    plot = pg.PlotWidget(axisItems=axes, viewBox=pg.ViewBox(enableMenu=False))  # no menu: faster to build
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=False, y=True, alpha=0.15)
    grid_behind(plot.getPlotItem())
    return plot


def grid_behind(item: pg.PlotItem) -> None:
    """Grid lines under the bars, not over them: the axes that draw them go below the plotted items (their
    labels sit outside the plot area, so they stay visible)."""
    for name in ("left", "bottom"):
        item.getAxis(name).setZValue(-1)
