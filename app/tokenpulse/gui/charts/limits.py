"""Limits (issue 11): each plan window's used % over time as the provider reported it, its resets (dashed) and
the limit hits (▼), above the output tokens of the same hours. Hovering reads out the readings at that moment next
to the pointer (bars.PointerTip, as the other charts do) and highlights them: a ring on each window's reading and an
outline on that hour's bar."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import day_axis, percent_axis, token_axis
from tokenpulse.gui.charts.bars import LeaveWatcher, PointerTip
from tokenpulse.gui.charts.base import ChartView, Request, Result, grid_behind, readout_label
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import TOKENS, Theme, agent_colour, tokens
from tokenpulse.insights.limits_chart import LimitsChart, WindowLine, limits_chart

HIT = "#e53935"
HOUR_S = 3_600


class LimitsView(ChartView):
    name = "limits"
    title = "Plan limits"

    def __init__(self, theme: Theme, now_ms: object = None, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self._now_ms = now_ms  # a callable giving "now" (the window's clock), so resets to come are not drawn
        self.plot = pg.GraphicsLayoutWidget()
        self.top = self.plot.addPlot(row=0, col=0, axisItems={"bottom": day_axis(), "left": percent_axis()})
        self.bottom = self.plot.addPlot(row=1, col=0, axisItems={"bottom": day_axis(), "left": token_axis()})
        self.plot.ci.layout.setRowStretchFactor(0, 3)
        self.plot.ci.layout.setRowStretchFactor(1, 2)
        for plot in (self.top, self.bottom):
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.showGrid(x=False, y=True, alpha=0.15)
            grid_behind(plot)
        self.bottom.setXLink(self.top)
        self.top.setLabel("left", "Used % of the window")
        self.bottom.setLabel("left", "Output tokens per hour")
        self.top.setYRange(0, 105, padding=0)
        self.curves: list[pg.PlotDataItem] = []
        self.reset_lines: list[pg.InfiniteLine] = []
        self.hit_marks = pg.ScatterPlotItem(symbol="t", size=11, pen=None, brush=pg.mkBrush(HIT))
        self.top.addItem(self.hit_marks)
        self.hour_bars = pg.BarGraphItem(x=[], height=[], width=HOUR_S * 0.8, brush=pg.mkBrush(TOKENS["output"]),
                                         pen=pg.mkPen(None))
        self.bottom.addItem(self.hour_bars)
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((128, 128, 128, 120), width=1))
        self.marker.setVisible(False)
        self.top.addItem(self.marker, ignoreBounds=True)
        # the hover's highlight: a ring on each window's reading at the pointer, an outline on that hour's bar
        self.points = pg.ScatterPlotItem(size=11, pen=pg.mkPen(theme.foreground, width=2), brush=pg.mkBrush(None))
        self.points.setZValue(20)
        self.top.addItem(self.points, ignoreBounds=True)
        self.hour_outline = pg.BarGraphItem(x=[], height=[], width=HOUR_S * 0.8, brush=pg.mkBrush(None))
        self.hour_outline.setZValue(20)
        self.hour_outline.setVisible(False)
        self.bottom.addItem(self.hour_outline, ignoreBounds=True)
        self.tip = PointerTip(self.plot)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout = readout_label()
        self.summary = ""
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._leave = LeaveWatcher(self.plot, self.clear_hover)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Your plan's windows as the providers report them (never estimated from tokens),"
                                " with resets and limit hits, above the output tokens of the same hours"))
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.set_theme(theme)

    def query(self, request: Request) -> Query:
        now = self._now_ms() if callable(self._now_ms) else 2**62

        def run(conn):  # type: ignore[no-untyped-def]
            rng = request.resolve(conn)
            return Result(rng, limits_chart(conn, request.tz, rng, now))
        return run

    @property
    def chart(self) -> LimitsChart | None:
        return None if self.result is None else self.result.data

    def apply(self, result: Result) -> None:
        self.result = result
        c: LimitsChart = result.data
        for curve in self.curves:
            self.top.removeItem(curve)
        self.curves = []
        swatches = []
        for line in c.lines:
            colour = agent_colour(line.source)
            dashed = line.window_minutes >= 1440  # the weekly window dashed, the 5-hour one solid
            pen = pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            curve = pg.PlotDataItem(np.array(line.x, dtype=float),
                                    np.array([np.nan if v is None else v for v in line.y], dtype=float),
                                    pen=pen, connect="finite", symbol="o", symbolSize=4, symbolPen=None,
                                    symbolBrush=pg.mkBrush(colour))  # a lone reading shows as a dot
            self.top.addItem(curve)
            self.curves.append(curve)
            swatches.append(self.theme.swatch(colour, line.label + (" (dashed)" if dashed else "")))
        for item in self.reset_lines:
            self.top.removeItem(item)
        self.reset_lines = []
        for x, source, _minutes in c.resets:
            mark = pg.InfiniteLine(pos=x, angle=90, movable=False,
                                   pen=pg.mkPen(agent_colour(source), width=1, style=Qt.PenStyle.DotLine))
            self.top.addItem(mark)
            self.reset_lines.append(mark)
        self.hit_marks.setData([x for x, _s, _k in c.hits], [102.0] * len(c.hits))
        self.hour_bars.setOpts(x=np.array(c.hours_x) + HOUR_S / 2, height=np.array(c.hours_output, dtype=float),
                               width=HOUR_S * 0.8)
        first, last = result.range.first, result.range.last
        lo = (first - datetime(1970, 1, 1, tzinfo=UTC).date()).days * 86_400
        hi = ((last - datetime(1970, 1, 1, tzinfo=UTC).date()).days + 1) * 86_400
        self.top.setXRange(lo, hi, padding=0.01)
        top_used = max((v for line in c.lines for v in line.y if v is not None), default=100.0)
        self.top.setYRange(0, max(105.0, top_used + 5), padding=0)
        self.bottom.setYRange(0, max(max(c.hours_output, default=0), 1) * 1.08, padding=0)
        swatches.append(f'<span style="color:{HIT}">&#9660;</span>&nbsp;limit hit')
        swatches.append(self.theme.swatch(TOKENS["output"], "output tokens per hour"))
        self.legend.setText("&nbsp;&nbsp;".join(swatches))
        readings = sum(len(line.readings) for line in c.lines)
        self.summary = (f"<b>{readings:,}</b> readings of {len(c.lines)} windows · <b>{len(c.resets)}</b> resets"
                        f" · <b>{len(c.hits)}</b> limit hits · output <b>{tokens(sum(c.hours_output))}</b>"
                        " — hover for the readings at a moment" if c.lines or c.hours_output else
                        "No plan-limit readings in these days. They come from the agents' own logs and status"
                        " line (`tokenpulse limits` says which).")
        self.readout.setText(self.summary)

    def readings_at(self, x: float) -> list[tuple[WindowLine, float]]:
        """Each window's reading in force at x (local seconds); a window unknown there (between a reset and its
        next reading) is left out."""
        c = self.chart
        found = []
        for line in [] if c is None else c.lines:
            i = bisect.bisect_right(line.x, x) - 1
            value = line.y[i] if 0 <= i < len(line.x) - 1 else None
            if value is not None and line.y[i + 1] is not None:
                found.append((line, value))
        return found

    def hour_at(self, x: float) -> int | None:
        """The index of the hour with output that x falls in, if any."""
        c = self.chart
        if c is None:
            return None
        hour = bisect.bisect_right(c.hours_x, x) - 1
        return hour if 0 <= hour < len(c.hours_x) and x - c.hours_x[hour] < HOUR_S else None

    def at(self, x: float) -> str:
        """The read-out at x (local seconds): each window's reading then, and that hour's output."""
        c = self.chart
        if c is None:
            return self.summary
        when = datetime.fromtimestamp(x, tz=UTC).strftime("%a %d %b %H:%M")
        parts = [f"{line.label} <b>{value:g} %</b>" for line, value in self.readings_at(x)]
        hour = self.hour_at(x)
        if hour is not None:
            parts.append(f"output that hour <b>{tokens(c.hours_output[hour])}</b>")
        return f"<b>{when}</b> · " + (" · ".join(parts) if parts else "no reading at this moment")

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        # the plot under the pointer maps it (their left axes differ in width, so their x scales are offset)
        vb = next((p.vb for p in (self.top, self.bottom) if p.vb.sceneBoundingRect().contains(pos)), None)
        if self.chart is None or vb is None:
            return
        self.hover(vb.mapSceneToView(pos).x(), pos)

    def hover(self, x: float, pos: QPointF) -> None:
        """Read out x next to the pointer at `pos` and in the footer, and highlight what is read."""
        self.marker.setPos(x)
        self.marker.setVisible(True)
        readings = self.readings_at(x)
        self.points.setData([x] * len(readings), [value for _line, value in readings],
                            brush=[pg.mkBrush(agent_colour(line.source)) for line, _value in readings])
        self.points.setVisible(bool(readings))
        hour = self.hour_at(x)
        if hour is not None and self.chart is not None:
            self.hour_outline.setOpts(x=[self.chart.hours_x[hour] + HOUR_S / 2],
                                      height=[float(self.chart.hours_output[hour])], width=HOUR_S * 0.8)
        self.hour_outline.setVisible(hour is not None)
        text = self.at(x)
        self.readout.setText(text)
        self.tip.show_at(text.replace(" · ", "<br>"), pos)

    def clear_hover(self) -> None:
        self.marker.setVisible(False)
        self.points.setVisible(False)
        self.hour_outline.setVisible(False)
        self.tip.hide()
        self.readout.setText(self.summary)

    def export_title(self) -> str:
        return f"{super().export_title()} · used % per plan window, resets, limit hits; output per hour"

    def export_legend(self) -> str:
        return self.legend.text()

    def export_item(self) -> pg.GraphicsLayout:
        return self.plot.ci

    def table(self) -> tuple[list[str], list[list[object]]]:
        assert self.chart is not None
        return self.chart.table()

    def set_theme(self, theme: Theme) -> None:
        self.plot.setBackground(theme.background)
        self.points.setPen(pg.mkPen(theme.foreground, width=2))
        self.hour_outline.setOpts(pen=pg.mkPen(theme.foreground, width=2))
        self.tip.set_theme(theme)
        for plot in (self.top, self.bottom):
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(theme.muted))
                axis.setTextPen(pg.mkPen(theme.foreground))
        super().set_theme(theme)
