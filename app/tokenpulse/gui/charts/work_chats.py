"""Chats: the commits made while the plotted chat ran, marked on its growth curve.

Each commit is a dashed line with a mark at the top, placed between the two calls it was made between (in
proportion to the time), or within one step after the last call for the 30 minutes that follow it; the plot's
title row says "this chat: 3 commits, +120 / −40 lines, 5 files". Hovering a mark gives that commit's time and
counts. A layer on the view's GrowthPlot, fed by its own query when a curve is shown.
"""

from __future__ import annotations

import html
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, SignalInstance

from tokenpulse.gui.charts.growth import GrowthPlot
from tokenpulse.gui.charts.work_common import COMMITS, Fetch, work_words
from tokenpulse.insights import work_chart
from tokenpulse.insights.chart_chats import Curve
from tokenpulse.insights.chart_data import local_time
from tokenpulse.insights.work_chart import ChatCommits


class ChatsLike(Protocol):
    growth: GrowthPlot
    sig_curve_shown: SignalInstance


class ChatCommitsLayer(QObject):
    """Lives as long as the view (its parent)."""

    def __init__(self, view: ChatsLike, fetch: Fetch) -> None:
        super().__init__(view)  # type: ignore[arg-type]
        self.view = view
        self._fetch = fetch
        self._asked = 0
        self.found: ChatCommits | None = None
        self.positions: list[float] = []
        item = view.growth.plot.getPlotItem()
        self.lines = pg.PlotDataItem(pen=pg.mkPen(COMMITS, width=1, style=Qt.PenStyle.DashLine), connect="pairs")
        self.marks = pg.ScatterPlotItem(symbol="t", size=12, pen=pg.mkPen(None), brush=pg.mkBrush(COMMITS),
                                        hoverable=True, tip=self._tip)
        for part in (self.lines, self.marks):
            part.setZValue(20)
            item.addItem(part, ignoreBounds=True)
        view.sig_curve_shown.connect(self._on_curve_shown)

    def _on_curve_shown(self, session_id: int) -> None:
        curve = self.view.growth.curve
        self._asked += 1
        asked = self._asked
        self._fetch(lambda conn: work_chart.chat_commits(conn, session_id),
                    lambda found: self._draw(found, curve, asked))

    def _draw(self, found: ChatCommits, curve: Curve | None, asked: int) -> None:
        if asked != self._asked or curve is None or curve is not self.view.growth.curve:
            return  # another chat was picked meanwhile
        self.found = found
        item = self.view.growth.plot.getPlotItem()
        xs = work_chart.call_positions(curve.ts_ms, found.times_ms)
        self.positions = xs
        n = len(curve.context)
        top = item.vb.viewRange()[1][1]
        if xs and max(xs) > n + 0.4:  # commits after the last call: room for them on the right
            item.setXRange(0.5, max(xs) + 0.5, padding=0)
        pairs_x = np.repeat(np.asarray(xs, dtype=float), 2)
        pairs_y = np.tile(np.array([0.0, top * 0.93]), len(xs))
        self.lines.setData(pairs_x, pairs_y)
        self.marks.setData(x=xs, y=[top * 0.95] * len(xs), data=list(range(len(xs))))
        # the plot's own title row: above the marks, never over a line, and in a PNG export too
        item.setTitle(html.escape(self.summary()), color=COMMITS, size="9pt", justify="left")

    def summary(self) -> str:
        """The plain-text line drawn in the plot."""
        found = self.found
        if found is None:
            return ""
        total = found.total
        if total is None:
            return "this chat's folder is not a git repository: no commits to show"
        if not total.commits:
            return "this chat: no commits while it ran (first call to 30 min after the last)"
        return f"this chat: {work_words(total)}"

    def _tip(self, x: float, y: float, data: object) -> str:
        found = self.found
        if found is None or not isinstance(data, int | np.integer) or not 0 <= int(data) < len(found.times_ms):
            return ""
        i = int(data)
        tz = self.view.growth.tz
        return html.escape(f"commit at {local_time(found.times_ms[i], tz)} · +{found.lines_added[i]:,} /"
                           f" −{found.lines_removed[i]:,} lines · {found.files_changed[i]:,} files")
