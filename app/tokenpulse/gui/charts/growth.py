"""One chat's growth curve: context per call, the fresh-chat floor F, the waste above F + R hatched, and the
running cost on a second axis, drawn behind the context line so it never hides it."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import CountAxis, TwinAxis, money_axis, style_twin, token_axis
from tokenpulse.gui.charts.bars import LeaveWatcher, PointerTip
from tokenpulse.gui.charts.base import plot_widget, readout_label
from tokenpulse.gui.charts.style import COST, TOKENS, Theme, tokens, usd, waste_brush
from tokenpulse.insights.chart_chats import Curve
from tokenpulse.insights.chart_data import local_time
from tokenpulse.presenters.waste_text import share_text

CONTEXT = TOKENS["input"]  # what a call was fed (input, cache writes and reads), in the input-side blue


class GrowthPlot(QWidget):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.curve: Curve | None = None
        self.tz = ZoneInfo("UTC")
        self.title = QLabel("Select a chat to see how its context grew, call by call")
        self.legend = QLabel()
        self.plot = plot_widget(bottom=CountAxis(), left=token_axis())
        item = self.plot.getPlotItem()
        item.setLabel("left", "Context per call (tokens re-read)")
        item.setLabel("bottom", "Call")
        self.twin = TwinAxis(item, money_axis(), "Running cost (USD)", behind=True)
        self.context_line = item.plot(pen=pg.mkPen(CONTEXT, width=2), name="context")
        self.context_line.setZValue(10)
        self.allowance_line = item.plot(pen=pg.mkPen(None))
        self.waste_fill = pg.FillBetweenItem(self.context_line, self.allowance_line, brush=waste_brush(theme))
        item.addItem(self.waste_fill)
        # labels inside the plot on the left, where the curve starts low: F's under its line, F + R's above its
        # own, each on a background so a curve passing behind cannot garble it
        self.floor = pg.InfiniteLine(angle=0, movable=False, label="fresh-chat floor F: {value:,.0f}",
                                     labelOpts={"position": 0.01, "anchors": [(0, 0), (0, 0)]},
                                     pen=pg.mkPen((120, 120, 120), width=1, style=Qt.PenStyle.DashLine))
        self.limit = pg.InfiniteLine(angle=0, movable=False, label="F + R: {value:,.0f}",
                                     labelOpts={"position": 0.01, "anchors": [(0, 1), (0, 1)]},
                                     pen=pg.mkPen(theme.foreground, width=1, style=Qt.PenStyle.DotLine))
        item.addItem(self.floor, ignoreBounds=True)
        item.addItem(self.limit, ignoreBounds=True)
        self.cost_line = pg.PlotDataItem(pen=pg.mkPen(COST, width=1.5, style=Qt.PenStyle.DashLine))
        self.twin.view.addItem(self.cost_line)
        self.marker = pg.ScatterPlotItem(size=9, pen=pg.mkPen(theme.foreground, width=1.5), brush=pg.mkBrush(CONTEXT))
        self.marker.setZValue(20)
        self.marker.setVisible(False)
        item.addItem(self.marker, ignoreBounds=True)
        self.tip = PointerTip(self.plot)
        self.readout = readout_label()
        item.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._leave = LeaveWatcher(self.plot, self._left)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.legend.setWordWrap(True)  # a row of its own that wraps: never wider than the window
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.title)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        theme.style_plot(self.plot)
        style_twin(self.twin, theme)
        back = QColor(theme.background)
        back.setAlpha(215)
        for line in (self.floor, self.limit):
            line.label.setColor(theme.foreground)
            line.label.fill = pg.mkBrush(back)
        self.limit.setPen(pg.mkPen(theme.foreground, width=1, style=Qt.PenStyle.DotLine))
        self.waste_fill.setBrush(waste_brush(theme))
        self.marker.setPen(pg.mkPen(theme.foreground, width=1.5))
        self.tip.set_theme(theme)
        self.legend.setText("&nbsp;&nbsp;".join([theme.swatch(CONTEXT, "context re-read per call"),
                                                  theme.waste_swatch("long-chat waste (above F + R)"),
                                                  theme.swatch(COST, "running cost (dashed)"),
                                                  "R: the recap allowance"]))

    def show_curve(self, curve: Curve, title: str, tz: ZoneInfo) -> None:
        self.curve, self.tz = curve, tz
        n = len(curve.context)
        x = np.arange(1, n + 1, dtype=float)
        ctx = np.asarray(curve.context, dtype=float)
        limit = curve.floor + curve.recap_allowance
        self.context_line.setData(x, ctx)
        self.allowance_line.setData(x, np.minimum(ctx, limit))
        self.floor.setValue(curve.floor)
        self.limit.setValue(limit)
        self.limit.label.setFormat(f"F + R: {{value:,.0f}} (recap allowance R = {curve.recap_allowance:,})")
        self.cost_line.setData(x, np.asarray(curve.cumulative_cost, dtype=float))
        item = self.plot.getPlotItem()
        item.setXRange(0.5, max(n, 1) + 0.5, padding=0)
        item.setYRange(0, max([*curve.context, limit, 1]) * 1.08, padding=0)
        self.twin.set_y_max(curve.cumulative_cost[-1] if curve.cumulative_cost else 0.0)
        self.title.setText(f"<b>{html.escape(title)}</b>")
        self._summary()

    def _summary(self) -> None:
        c = self.curve
        if c is None:
            return  # nothing chosen yet: the title asks for a chat
        if not c.context:
            self.readout.setText("This chat has no calls.")
            return
        fed = sum(c.context)
        waste = sum(c.waste)
        cost = c.cumulative_cost[-1]
        peak = max(c.context)
        window = "" if c.context_window is None else \
            f" · {share_text(c.share(peak))} of the {tokens(c.context_window)} window"
        self.readout.setText(
            f"{len(c.context):,} calls · context {tokens(c.context[0])} → {tokens(c.context[-1])}"
            f" (peak {tokens(peak)}{window}) · {self.theme.waste_swatch('long-chat waste')}"
            f" <b>{tokens(waste)}</b> of the {tokens(fed)} tokens re-read"
            f" ({html.escape(share_text(waste / fed if fed else None))} of the tokens) · cost"
            f" <b>{usd(cost)}</b>" + (f" ({c.unpriced_calls} calls without a price)" if c.unpriced_calls else "")
            + " — hover a call")

    def _left(self) -> None:
        self.marker.setVisible(False)
        self.tip.hide()
        self._summary()

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        c = self.curve
        vb = self.plot.getPlotItem().vb
        if c is None or not c.context or not vb.sceneBoundingRect().contains(pos):
            return
        i = round(vb.mapSceneToView(pos).x()) - 1
        if not 0 <= i < len(c.context):
            self._left()
            return
        self.marker.setData([i + 1], [c.context[i]])
        self.marker.setVisible(True)
        of_window = self._of_window(c.context[i])
        self.readout.setText(
            f"call <b>{i + 1}</b> at {local_time(c.ts_ms[i], self.tz)} · re-read <b>{tokens(c.context[i])}</b>"
            f"{of_window} (waste {tokens(c.waste[i])}) · wrote {tokens(c.output[i])} output · running cost"
            f" <b>{usd(c.cumulative_cost[i])}</b>")
        self.tip.show_at(f"<b>call {i + 1}</b> · {local_time(c.ts_ms[i], self.tz)}<br>re-read"
                         f" <b>{c.context[i]:,}</b>{of_window}<br>waste {c.waste[i]:,}<br>output {c.output[i]:,}"
                         f"<br>running cost <b>{usd(c.cumulative_cost[i])}</b>", pos)

    def _of_window(self, context: int) -> str:
        """" · 56 % of the window" (issue 11 §5), or "" when the chat's window is unknown."""
        share = None if self.curve is None else self.curve.share(context)
        return "" if share is None else f" · {share_text(share)} of the window"
