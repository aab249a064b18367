"""What every view shares: the request it answers (zone, days, recap allowance) and the view protocol."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QLabel, QWidget

from tokenpulse.gui.charts.axes import DAY_S
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import Theme
from tokenpulse.insights import chart_data
from tokenpulse.insights.chart_data import DayRange
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
    """x positions of local days: seconds since 1970-01-01 at each day's start, as the date axis expects."""
    if not days:
        return np.zeros(0)
    first = (date.fromisoformat(days[0]) - _EPOCH).days
    return (np.arange(len(days), dtype=float) + first) * DAY_S


def nan_list(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def pretty_day(day: str) -> str:
    return date.fromisoformat(day).strftime("%a %d %b %Y")


class ChartView(QWidget):
    """A tab of the window. The window fetches `query(request)` on a worker and hands the result to `apply`."""

    name = ""
    title = ""
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
    return plot
