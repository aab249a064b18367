"""Axes that speak people's numbers (1.2M, $3.40, dates) and a second value axis on the right."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from tokenpulse.gui.charts.style import Theme, tokens

DAY_S = 86_400
_EPOCH = date(1970, 1, 1)


Label = Callable[[float, float], str]  # (tick value, spacing between ticks) -> text


def token_label(v: float, spacing: float) -> str:
    return tokens(v) if float(v).is_integer() else ""  # 0.2 tokens is no count: a near-empty axis stays clean


def money_label(v: float, spacing: float) -> str:
    """$0 · $0.25 · $12 · $1,200; below a cent, as many decimals as the ticks need to differ ($0.0015)."""
    if v == 0:
        return "$0"
    if spacing >= 1:
        return f"${v:,.0f}"
    if spacing >= 0.01:
        return f"${v:,.2f}"
    return f"${v:.{min(6, math.ceil(-math.log10(spacing)))}f}"


class FormatAxis(pg.AxisItem):
    """Tick labels through a formatter; no SI prefix or exponent juggling."""

    def __init__(self, orientation: str, fmt: Label, **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._fmt = fmt
        self.enableAutoSIPrefix(False)

    def set_format(self, fmt: Label) -> None:
        self._fmt = fmt
        self.picture = None  # drop the cached drawing
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float | None, list[float]]]:
        """pyqtgraph's ticks, with 0 always labelled when the axis starts there (it can drop the tick that
        falls exactly on the edge, leaving a value axis without its 0)."""
        levels = list(super().tickValues(minVal, maxVal, size))
        span = maxVal - minVal
        if levels and minVal - span * 1e-6 <= 0 <= maxVal and not any(0.0 in values for _s, values in levels):
            spacing, values = levels[0]
            levels[0] = (spacing, [0.0, *values])
        return levels

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [self._fmt(0.0 if abs(v) < spacing * 1e-9 else v, spacing) if v > -spacing * 1e-9 else ""
                for v in values]

    def boundingRect(self) -> QRectF:
        """With a grid, pyqtgraph bounds an axis by the plot alone, so the label of a tick on the plot's edge
        (the 0 at the bottom of a vertical axis, at the left end of a horizontal one, as under the Projects bars)
        was dropped; every axis gets the 15 pixels along it that it has without a grid."""
        rect = super().boundingRect()
        if self.grid is not False:
            rect = (rect.adjusted(0, -15, 0, 15) if self.orientation in ("left", "right")
                    else rect.adjusted(-15, 0, 15, 0))
        return rect


class CountAxis(FormatAxis):
    """Whole numbers only (calls 1, 2, 3 …): ticks never fall between two integers, so none repeats."""

    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation, lambda v, _spacing: f"{v:,.0f}")

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = [(float(max(1, round(spacing))), offset) for spacing, offset in
                  super().tickSpacing(minVal, maxVal, size)]
        return list(dict.fromkeys(levels))  # a level rounded up to 1 twice is drawn once

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float | None, list[float]]]:
        seen: set[float] = set()
        out = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            whole = [v for v in values if float(v).is_integer() and v not in seen]
            seen.update(whole)
            out.append((spacing, whole))
        return out


def token_axis(orientation: str = "left") -> FormatAxis:
    return FormatAxis(orientation, token_label)


def percent_axis(orientation: str = "left") -> FormatAxis:
    """0 · 20 · 40 … (a share of a plan window, in %): its 0 labelled like every value axis."""
    return FormatAxis(orientation, lambda v, _spacing: f"{v:g}")


def money_axis(orientation: str = "right") -> FormatAxis:
    return FormatAxis(orientation, money_label)


class DayAxis(pg.AxisItem):
    """Dates for x = a local day as seconds since 1970-01-01 (read as UTC: the days are local already).

    One level of ticks, as dense as fits without labels touching: every day, every 2 days, Mondays, every
    other Monday, the first of every 1, 2, 3 or 6 months, or of years. pyqtgraph's DateAxisItem mixes two
    levels whose labels collide ("Jan02").
    """

    DAY_PX, MONTH_PX = 50, 70  # room for "Mar 30" and for "Jan 2026"

    def __init__(self) -> None:
        super().__init__("bottom")
        self.enableAutoSIPrefix(False)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float | None, list[float]]]:
        if size <= 0 or maxVal <= minVal:
            return []
        per_day = size * DAY_S / (maxVal - minVal)  # pixels
        first, last = math.ceil(minVal / DAY_S), math.floor(maxVal / DAY_S)
        for step in (1, 2, 7, 14):
            if per_day * step >= self.DAY_PX:
                # epoch day 0 was a Thursday: (n + 3) % 7 == 0 on Mondays
                start = (first + (-(first + 3)) % 7 if step >= 7
                         else first - first % step + (step if first % step else 0))
                return [(step * DAY_S, [float(d * DAY_S) for d in range(start, last + 1, step)])]
        lo, hi = _EPOCH + timedelta(days=first), _EPOCH + timedelta(days=last)
        for months in (1, 2, 3, 6, 12, 24, 60):
            if per_day * 30.4 * months >= self.MONTH_PX:
                values = []
                y, m = lo.year, lo.month
                while (y, m) <= (hi.year, hi.month):
                    d = date(y, m, 1)
                    if d >= lo and (12 * y + m - 1) % months == 0:
                        values.append(float((d - _EPOCH).days * DAY_S))
                    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
                return [(months * 30 * DAY_S, values)]
        return []

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        days = [_EPOCH + timedelta(days=round(v / DAY_S)) for v in values]
        if spacing < 28 * DAY_S:
            return [f"{d:%b} {d.day}" for d in days]
        if spacing >= 360 * DAY_S:
            return [f"{d.year}" for d in days]
        return [f"{d:%b %Y}" if d.month == 1 or i == 0 else f"{d:%b}" for i, d in enumerate(days)]


class LogRatioAxis(pg.AxisItem):
    """For data plotted as log10(ratio): ticks at 1, 2, 5, 10, 20, 50 … labelled as plain ratios."""

    def __init__(self, orientation: str = "right") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float | None, list[float]]]:
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        marks = [math.log10(m * 10**e) for e in range(lo, hi + 1) for m in (1, 2, 5)]
        return [(None, [v for v in marks if minVal <= v <= maxVal])]

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [f"{10 ** v:,.0f}×" if 10 ** v >= 1 else f"{10 ** v:.1g}×" for v in values]


def day_axis() -> DayAxis:
    return DayAxis()


class TwinAxis:
    """A second ViewBox sharing the plot's x range, drawn against the right axis (e.g. cost over tokens)."""

    def __init__(self, plot: pg.PlotItem, axis: pg.AxisItem, label: str, behind: bool = False) -> None:
        """`behind`: its lines go under the plot's own (a running cost must not hide the context line)."""
        self.plot = plot
        self.view = pg.ViewBox(enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        # x follows the plot through the link; left on auto, this view would fit x to its own line (padded)
        # and, linked both ways, shift the plot's days from under the mouse
        self.view.disableAutoRange()
        plot.setAxisItems({"right": axis})
        plot.showAxis("right")
        plot.scene().addItem(self.view)
        # by default its line goes over the bars, not hidden behind them
        self.view.setZValue(plot.zValue() - 1 if behind else plot.zValue() + 10)
        axis.linkToView(self.view)
        axis.setLabel(label)
        self.view.setXLink(plot)
        plot.vb.sigResized.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.view.setGeometry(self.plot.vb.sceneBoundingRect())
        self.view.linkedViewChanged(self.plot.vb, self.view.XAxis)

    def set_y_max(self, top: float) -> None:
        self.view.setYRange(0, max(top, 1e-9) * 1.08, padding=0)


def style_twin(twin: TwinAxis, theme: Theme) -> None:
    axis = twin.plot.getAxis("right")
    axis.setPen(pg.mkPen(theme.muted))
    axis.setTextPen(pg.mkPen(theme.foreground))
