"""Rhythm: output tokens by hour of day and weekday, as a heat map in local time, with its colour scale."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from tokenpulse.gui.charts.bars import LeaveWatcher, PointerTip
from tokenpulse.gui.charts.base import ChartView, Request, Result, plot_widget, readout_label
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import TOKENS, Theme, tokens
from tokenpulse.insights import chart_data
from tokenpulse.insights.chart_data import WEEKDAYS, Rhythm


class RhythmView(ChartView):
    name = "rhythm"
    title = "Rhythm"

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.plot = plot_widget(bottom=pg.AxisItem("bottom"), left=pg.AxisItem("left"))
        item = self.plot.getPlotItem()
        item.showGrid(x=False, y=False)
        item.setLabel("bottom", "Hour of day (local time)")
        item.getAxis("bottom").setTicks([[(h + 0.5, f"{h:02d}") for h in range(24)]])
        item.getAxis("left").setTicks([[(6 - w + 0.5, WEEKDAYS[w]) for w in range(7)]])
        item.invertY(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        item.setXRange(0, 24, padding=0.01)
        item.setYRange(0, 7, padding=0.02)
        # the colour scale beside the map (part of the PNG export too): 0 to the busiest cell, in tokens
        self.colour_bar = pg.ColorBarItem(values=(0, 1), width=14, interactive=False, colorMapMenu=False,
                                          label="Output tokens per cell")
        self.colour_bar.axis.enableAutoSIPrefix(False)
        self.colour_bar.axis.tickStrings = _token_ticks  # type: ignore[method-assign]
        self.colour_bar.setImageItem(self.image, insert_in=item)
        self.cell_box = QGraphicsRectItem(QRectF(0, 0, 1, 1))
        self.cell_box.setZValue(20)
        self.cell_box.setVisible(False)
        item.addItem(self.cell_box, ignoreBounds=True)
        self.tip = PointerTip(self.plot)
        self.scale = QLabel()
        self.readout = readout_label()
        item.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.summary = ""
        self._leave = LeaveWatcher(self.plot, self._left)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Output tokens by weekday and hour — when the work gets done"))
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.scale)
        layout.addWidget(self.readout)
        self.set_theme(theme)

    def query(self, request: Request) -> Query:
        def run(conn):  # type: ignore[no-untyped-def]
            rng, devices = request.devices(conn)
            return Result(rng, chart_data.rhythm(conn, request.tz, rng, devices))
        return run

    @property
    def rhythm(self) -> Rhythm | None:
        return None if self.result is None else self.result.data

    def _colormap(self) -> pg.ColorMap:
        """Background for nothing, then one hue from a faint tint to full strength: more work, more ink."""
        base = QColor(self.theme.background)
        hot = QColor(TOKENS["output"])
        peak = hot.lighter(135) if self.theme.dark else hot.darker(150)

        def mix(a: QColor, b: QColor, t: float) -> QColor:
            return QColor(*(round(x + (y - x) * t) for x, y in zip(a.getRgb()[:3], b.getRgb()[:3])))
        return pg.ColorMap([0.0, 1e-6, 0.5, 1.0], [base, mix(base, hot, 0.18), hot, peak])

    def apply(self, result: Result) -> None:
        self.result = result
        r: Rhythm = result.data
        grid = np.array(r.output[::-1], dtype=float)  # Monday on top
        top = float(grid.max()) if grid.size else 0.0
        self.image.setImage(grid, levels=(0.0, max(top, 1.0)), autoLevels=False)
        self.image.setRect(0, 0, 24, 7)
        self.colour_bar.setColorMap(self._colormap())
        self.colour_bar.setLevels(low=0.0, high=max(top, 1.0))
        total = int(grid.sum())
        busiest = np.unravel_index(int(grid.argmax()), grid.shape) if total else None
        text = f"{tokens(total)} output tokens in these {len(result.range.days())} days"
        if busiest is not None:
            w, h = 6 - int(busiest[0]), int(busiest[1])
            text += f" · busiest hour: {WEEKDAYS[w]} {h:02d}:00 ({tokens(int(grid.max()))})"
        self.summary = text + " — hover a cell"
        self.scale.setText(f"Colour: from 0 to {tokens(int(top))} output tokens per hour-of-week cell")
        self.readout.setText(self.summary)

    def cell(self, weekday: int, hour: int) -> tuple[int, int]:
        """(output, calls) of a cell, Monday = 0."""
        r = self.rhythm
        assert r is not None
        return r.output[weekday][hour], r.calls[weekday][hour]

    def _left(self) -> None:
        self.cell_box.setVisible(False)
        self.tip.hide()
        self.readout.setText(self.summary)

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        vb = self.plot.getPlotItem().vb
        if self.rhythm is None or not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        h, w = int(p.x()), 6 - int(p.y())
        if not (0 <= h < 24 and 0 <= w < 7 and 0 <= p.y() < 7 and p.x() >= 0):
            self._left()
            return
        out, calls = self.cell(w, h)
        text = f"<b>{WEEKDAYS[w]} {h:02d}:00–{h + 1:02d}:00</b> · output <b>{tokens(out)}</b> · {calls:,} calls"
        self.readout.setText(text)
        self.cell_box.setRect(QRectF(h, 6 - w, 1, 1))
        self.cell_box.setVisible(True)
        self.tip.show_at(text.replace(" · ", "<br>", 1), pos)

    def export_title(self) -> str:
        return f"{super().export_title()} · output tokens by weekday and local hour"

    def export_legend(self) -> str:
        return self.scale.text()

    def export_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def table(self) -> tuple[list[str], list[list[object]]]:
        assert self.rhythm is not None
        return self.rhythm.table()

    def set_theme(self, theme: Theme) -> None:
        theme.style_plot(self.plot)
        for name in ("left", "right", "top", "bottom"):
            axis = self.colour_bar.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.foreground))
        self.cell_box.setPen(pg.mkPen(theme.foreground, width=2))
        self.tip.set_theme(theme)
        super().set_theme(theme)


def _token_ticks(values: Sequence[float], scale: float, spacing: float) -> list[str]:
    """The colour scale's labels in people's numbers (0, 12k, 1.2M), never a fraction of a token."""
    return [tokens(v) if v >= 0 else "" for v in values]
