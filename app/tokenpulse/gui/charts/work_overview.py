"""Overview: commits per day, overlaid under the tokens when the user asks ("Commits per day" check box).

A strip of its own under the day chart, with its own axis (commits are not tokens), its days locked to the
chart's: the user's commits per local day in every repository the agents worked in, each repository once.
Hovering either plot names the day's commits. Read with its own query whenever the Overview is drawn.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import DAY_S, CountAxis, day_axis
from tokenpulse.gui.charts.base import ChartView, day_x, plot_widget, pretty_day
from tokenpulse.gui.charts.style import Theme
from tokenpulse.gui.charts.work_common import COMMITS, WindowLike
from tokenpulse.insights import work_chart
from tokenpulse.insights.work_chart import CommitDays

STRIP_HEIGHT = 130


class CommitsStrip(QWidget):
    """Put under the Overview's plot by `attach`; hidden plot until the box is ticked."""

    def __init__(self, view: ChartView, window: WindowLike) -> None:
        super().__init__(view)
        self.view = view
        self.window_ = window
        self.data: CommitDays | None = None
        self._asked = 0
        self.toggle = QCheckBox("Commits per day (your commits in the agents' git repositories)")
        self.toggle.setToolTip("Counts read from git: commits, lines added and removed. Never messages, file or"
                               " branch names.")
        self.readout = QLabel()
        self.plot = plot_widget(bottom=day_axis(), left=CountAxis("left"))
        self.plot.setFixedHeight(STRIP_HEIGHT)
        self.plot.getPlotItem().setLabel("left", "Commits")
        self.bars = pg.BarGraphItem(x=[], height=[], width=DAY_S * 0.6, brush=pg.mkBrush(COMMITS), pen=pg.mkPen(None))
        self.plot.getPlotItem().addItem(self.bars)
        main = getattr(view, "plot", None)
        self._main = main if isinstance(main, pg.PlotWidget) else None
        if self._main is not None:
            # the same days, one above the other: the same x range, and axes as wide as the chart's on both
            # sides, so that the two plot areas start and end at the same place on the screen (pyqtgraph's own
            # x link shifts a view of another width by its guess of the screen offset: days came out 9 px apart)
            self._main.getPlotItem().vb.sigXRangeChanged.connect(self._follow_days)
            self._main.getPlotItem().vb.sigResized.connect(self._match_axes)
            self._main.scene().sigMouseMoved.connect(lambda pos: self._hover(self._main, pos))
        self.plot.scene().sigMouseMoved.connect(lambda pos: self._hover(self.plot, pos))
        row = QHBoxLayout()
        row.addWidget(self.toggle)
        row.addWidget(self.readout, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.plot)
        self.plot.setVisible(False)
        self.toggle.toggled.connect(self._on_toggled)
        window.sig_view_updated.connect(self._on_view_updated)
        self._style()

    def _follow_days(self) -> None:
        if self._main is not None:
            lo, hi = self._main.getPlotItem().vb.viewRange()[0]
            self.plot.getPlotItem().setXRange(lo, hi, padding=0)

    def _match_axes(self) -> None:
        if self._main is None:
            return
        theirs, mine = self._main.getPlotItem(), self.plot.getPlotItem()
        mine.getAxis("left").setWidth(round(theirs.getAxis("left").width()))
        if theirs.getAxis("right").isVisible():
            mine.showAxis("right")
            right = mine.getAxis("right")
            right.setStyle(showValues=False)
            right.setPen(pg.mkPen(None))
            right.setWidth(round(theirs.getAxis("right").width()))
        self._follow_days()

    # --- data ----------------------------------------------------------------------------------------

    def _on_toggled(self, on: bool) -> None:
        self.plot.setVisible(on)
        if on:
            self._match_axes()
            self.reload()
        else:
            self.readout.setText("")

    def _on_view_updated(self, name: str) -> None:
        if name == self.view.name and self.toggle.isChecked():
            self.reload()

    def reload(self) -> None:
        result = self.view.result
        if result is None:
            return
        tz = self.window_.request().tz
        rng = result.range
        self._asked += 1
        asked = self._asked
        self.window_.fetch(lambda conn: work_chart.commits_per_day(conn, tz, rng),
                           lambda data: self._draw(data, asked))

    def _draw(self, data: CommitDays, asked: int) -> None:
        if asked != self._asked:
            return
        self.data = data
        x = day_x(data.days)
        self.bars.setOpts(x=x, height=np.asarray(data.commits, dtype=float), width=DAY_S * 0.6,
                          brush=pg.mkBrush(COMMITS))
        self.plot.getPlotItem().setYRange(0, max([*data.commits, 1]) * 1.15, padding=0)
        self.readout.setText(self.summary())

    def summary(self) -> str:
        data = self.data
        if data is None:
            return ""
        if not data.repositories:
            return "no work read from git yet (no project folder is in a git repository with your commits)"
        n, added, removed = sum(data.commits), sum(data.lines_added), sum(data.lines_removed)
        return (f"{n:,} commit{'s' if n != 1 else ''} · +{added:,} / −{removed:,} lines in"
                f" {data.repositories:,} repositor{'ies' if data.repositories != 1 else 'y'} over these days")

    def day_words(self, index: int) -> str:
        data = self.data
        assert data is not None
        return (f"{pretty_day(data.days[index])}: {data.commits[index]:,} commits, +{data.lines_added[index]:,} /"
                f" −{data.lines_removed[index]:,} lines")

    def _hover(self, plot: pg.PlotWidget, pos: QPointF) -> None:
        data = self.data
        if data is None or not data.days or not self.toggle.isChecked():
            return
        vb = plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self.readout.setText(self.summary())
            return
        first = float(day_x(data.days[:1])[0])
        i = round((vb.mapSceneToView(pos).x() - first) / DAY_S)
        self.readout.setText(self.day_words(i) if 0 <= i < len(data.days) else self.summary())

    # --- look ----------------------------------------------------------------------------------------

    def _style(self) -> None:
        Theme.from_palette(self.palette()).style_plot(self.plot)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._style()
        super().changeEvent(event)
