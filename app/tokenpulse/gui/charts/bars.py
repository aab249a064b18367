"""Stacked bars per day (one BarGraphItem per series, updated in place) and a read-out that follows the mouse."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtWidgets import QWidget

from tokenpulse.gui.charts.axes import DAY_S


class StackedBars:
    """Series stacked bottom-up in the order given; items are reused across updates, never piled up."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.items: list[pg.BarGraphItem] = []
        self.tops = np.zeros(0)

    def set_data(self, x: np.ndarray, series: Sequence[tuple[str, str, Sequence[float]]], width: float) -> None:
        """`series`: (name, colour, values per x)."""
        base = np.zeros(len(x))
        for i, (name, colour, values) in enumerate(series):
            heights = np.asarray(values, dtype=float)
            if i == len(self.items):
                item = pg.BarGraphItem(x=x, height=heights, y0=base, width=width)
                self.plot.addItem(item)
                self.items.append(item)
            item = self.items[i]
            item.setOpts(x=x, height=heights, y0=base.copy(), width=width, brush=pg.mkBrush(colour),
                         pen=pg.mkPen(None), name=name)
            item.setVisible(True)
            base = base + heights
        for item in self.items[len(series):]:
            item.setVisible(False)
        self.tops = base


class LeaveWatcher(QObject):
    """Calls `on_leave()` when the mouse leaves a widget: a read-out that followed it goes back to its summary
    (a quick move off the plot sends no last move event inside it)."""

    def __init__(self, widget: QWidget, on_leave: Callable[[], None]) -> None:
        super().__init__(widget)
        self._on_leave = on_leave
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._on_leave()
        return False


class DayHover:
    """Calls `on_day(index or None)` as the mouse moves over day slots; shows a thin marker line."""

    def __init__(self, plot: pg.PlotItem, on_day: Callable[[int | None], None]) -> None:
        self.plot = plot
        self.x0 = 0.0
        self.count = 0
        self.on_day = on_day
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((128, 128, 128, 120), width=1))
        self.line.setVisible(False)
        plot.addItem(self.line, ignoreBounds=True)
        self._last: int | None = -1
        plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._leave = [LeaveWatcher(view, self.clear) for view in plot.scene().views()]

    def clear(self) -> None:
        """No day pointed at: the marker hidden, the read-out back to its summary (also before an export)."""
        if self._last is not None:
            self._last = None
            self.line.setVisible(False)
            self.on_day(None)

    def set_days(self, x0: float, count: int) -> None:
        self.x0, self.count = x0, count

    def index_at(self, x: float) -> int | None:
        i = round((x - self.x0) / DAY_S)
        return i if 0 <= i < self.count else None

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        vb = self.plot.vb
        i = self.index_at(vb.mapSceneToView(pos).x()) if vb.sceneBoundingRect().contains(pos) else None
        if i == self._last:
            return
        self._last = i
        self.line.setVisible(i is not None)
        if i is not None:
            self.line.setPos(self.x0 + i * DAY_S)
        self.on_day(i)
