"""Axes that speak people's numbers (1.2M, $3.40, dates) and a second value axis on the right."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pyqtgraph as pg

from tokenpulse.gui.charts.style import Theme, tokens, usd

DAY_S = 86_400


class FormatAxis(pg.AxisItem):
    """Tick labels through a formatter; no SI prefix or exponent juggling."""

    def __init__(self, orientation: str, fmt: Callable[[float], str], **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._fmt = fmt
        self.enableAutoSIPrefix(False)

    def set_format(self, fmt: Callable[[float], str]) -> None:
        self._fmt = fmt
        self.picture = None  # drop the cached drawing
        self.update()

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [self._fmt(v) if v >= 0 else "" for v in values]


def token_axis(orientation: str = "left") -> FormatAxis:
    return FormatAxis(orientation, tokens)


def money_axis(orientation: str = "right") -> FormatAxis:
    return FormatAxis(orientation, lambda v: usd(v) if v else "$0")


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


def day_axis() -> pg.DateAxisItem:
    """Dates for x = local day as seconds since 1970-01-01 (UTC labels, so no second zone shift)."""
    return pg.DateAxisItem(orientation="bottom", utcOffset=0)


class TwinAxis:
    """A second ViewBox sharing the plot's x range, drawn against the right axis (e.g. cost over tokens)."""

    def __init__(self, plot: pg.PlotItem, axis: pg.AxisItem, label: str) -> None:
        self.plot = plot
        self.view = pg.ViewBox(enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        plot.setAxisItems({"right": axis})
        plot.showAxis("right")
        plot.scene().addItem(self.view)
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
