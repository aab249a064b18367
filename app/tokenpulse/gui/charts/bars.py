"""Stacked bars per period (one BarGraphItem per series, updated in place), the hatched waste layer, and the
hover: a read-out next to the pointer and a highlight of the bar under it."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from tokenpulse.gui.charts.style import Theme


class StackedBars:
    """Series stacked bottom-up in the order given; items are reused across updates, never piled up.

    Bars of partial periods (today's, or one cut by the range) are veiled in the background colour, so they
    read as see-through; a thin line in the background colour separates the segments of a stack, so
    neighbouring shades stay apart. Each series keeps one brush (pyqtgraph's fast path: a brush per bar
    drew a long range markedly slower).
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.items: list[pg.BarGraphItem] = []
        self.tops = np.zeros(0)
        self.veil = pg.BarGraphItem(x=[], height=[], width=1.0, pen=pg.mkPen(None))
        self.veil.setZValue(3)  # over the bars, under the waste hatching and the hover outline
        plot.addItem(self.veil)

    def set_data(self, x: np.ndarray, series: Sequence[tuple[str, str, Sequence[float]]], width: np.ndarray | float,
                 partial: Sequence[bool] = (), separator: QColor | None = None) -> None:
        """`series`: (name, colour, values per x); `width` per bar or for all."""
        base = np.zeros(len(x))
        pen = pg.mkPen(separator, width=1) if separator is not None and len(x) <= 160 else pg.mkPen(None)
        for i, (name, colour, values) in enumerate(series):
            heights = np.asarray(values, dtype=float)
            if i == len(self.items):
                item = pg.BarGraphItem(x=x, height=heights, y0=base, width=width)
                self.plot.addItem(item)
                self.items.append(item)
            item = self.items[i]
            item.setOpts(x=x, height=heights, y0=base.copy(), width=width, brush=pg.mkBrush(colour),
                         pen=pen, name=name)
            item.setVisible(True)
            base = base + heights
        for item in self.items[len(series):]:
            item.setVisible(False)
        self.tops = base
        cut = np.asarray(partial, dtype=bool) if len(partial) == len(x) else np.zeros(len(x), dtype=bool)
        widths = np.broadcast_to(np.asarray(width, dtype=float), (len(x),))
        veil = QColor(separator) if separator is not None else QColor(255, 255, 255)
        veil.setAlpha(150)
        self.veil.setOpts(x=x[cut], height=base[cut], y0=np.zeros(int(cut.sum())), width=widths[cut],
                          brush=pg.mkBrush(veil), pen=pg.mkPen(None))


class WasteLayer:
    """Long-chat waste hatched over the top of each stack (what was fed and need not have been), or from zero
    on a second axis; never a colour of its own (style.WASTE_PATTERN)."""

    def __init__(self, view: pg.ViewBox | pg.PlotItem) -> None:
        self.item = pg.BarGraphItem(x=[], height=[], width=1.0, pen=pg.mkPen(None))
        self.item.setZValue(5)  # over the bars it is part of
        view.addItem(self.item)

    def set_data(self, x: np.ndarray, top: np.ndarray, amount: Sequence[float], width: np.ndarray | float,
                 brush: QBrush) -> None:
        """Hatch `amount` per bar below `top` (zeros: from 0 up to `amount`)."""
        values = np.nan_to_num(np.asarray(amount, dtype=float))
        heights = np.minimum(values, top) if top.any() else values
        self.item.setOpts(x=x, y0=(top - heights) if top.any() else np.zeros(len(x)), height=heights,
                          width=width, brush=brush, pen=pg.mkPen(None))

    def setVisible(self, on: bool) -> None:
        self.item.setVisible(on)


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


class PointerTip(QLabel):
    """A small read-out that follows the pointer inside a plot (a child widget: never part of an export)."""

    GAP = 16  # pixels between the pointer and the tip

    def __init__(self, plot: pg.GraphicsView) -> None:
        super().__init__(plot)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setFrameShape(QFrame.Shape.Box)
        self.setFrameShadow(QFrame.Shadow.Plain)  # a line in the text colour
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAutoFillBackground(True)
        self.setMargin(5)
        self.setWordWrap(False)
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        """The plot's colours through the palette (a style sheet here cost the window's first open ~0.1 s:
        Qt switches the whole application to its style-sheet style)."""
        palette = self.palette()
        back = QColor(theme.background)
        back.setAlpha(240)
        palette.setColor(QPalette.ColorRole.Window, back)
        palette.setColor(QPalette.ColorRole.WindowText, theme.foreground)
        self.setPalette(palette)

    def show_at(self, text: str, scene_pos: QPointF) -> None:
        """Next to the pointer, on whichever side keeps the whole tip inside the plot."""
        plot = self.parentWidget()
        assert isinstance(plot, pg.GraphicsView)  # a PlotWidget, or a GraphicsLayoutWidget of several plots
        self.setText(text)
        self.adjustSize()
        at = plot.mapFromScene(scene_pos)
        x = at.x() + self.GAP
        if x + self.width() > plot.width() - 4:
            x = at.x() - self.GAP - self.width()
        y = at.y() + self.GAP
        if y + self.height() > plot.height() - 4:
            y = at.y() - self.GAP - self.height()
        self.move(QPoint(max(2, x), max(2, y)))
        self.show()
        self.raise_()


class SlotHover:
    """Calls `on_slot(index or None, scene position)` as the pointer moves over the bars' slots (one per
    period, of its own width), outlines the hovered bar and shows the pointer tip."""

    def __init__(self, plot: pg.PlotItem, widget: pg.PlotWidget, on_slot: Callable[[int | None], str | None]) -> None:
        self.plot = plot
        self.on_slot = on_slot
        self.edges: list[float] = []  # left edge of each slot, then the right edge of the last
        self.tops = np.zeros(0)
        self.centres = np.zeros(0)
        self.widths: np.ndarray | float = 1.0
        self.outline = pg.BarGraphItem(x=[], height=[], width=1.0, brush=pg.mkBrush(None))
        self.outline.setZValue(20)
        self.outline.setVisible(False)
        plot.addItem(self.outline, ignoreBounds=True)
        self.tip = PointerTip(widget)
        self.last: int | None = -1
        plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._leave = [LeaveWatcher(view, self.clear) for view in plot.scene().views()]

    def set_theme(self, theme: Theme) -> None:
        self.outline.setOpts(pen=pg.mkPen(theme.foreground, width=2))
        self.tip.set_theme(theme)

    def clear(self) -> None:
        """No bar pointed at: outline and tip hidden, the read-out back to its summary (also before an export)."""
        self.tip.hide()
        if self.last is not None:
            self.last = None
            self.outline.setVisible(False)
            self.on_slot(None)

    def set_slots(self, centres: np.ndarray, widths: np.ndarray | float, tops: np.ndarray,
                  slot_width: np.ndarray | float) -> None:
        """Bars at `centres` (`widths` wide, `tops` high), each owning `slot_width` around its centre."""
        self.centres, self.widths, self.tops = centres, widths, tops
        half = np.broadcast_to(np.asarray(slot_width, dtype=float), centres.shape) / 2
        self.edges = [*(centres - half).tolist(), *(centres[-1:] + half[-1:]).tolist()]
        self.last = -1

    def index_at(self, x: float) -> int | None:
        if not self.edges or x < self.edges[0] or x >= self.edges[-1]:
            return None
        return bisect.bisect_right(self.edges, x) - 1

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        vb = self.plot.vb
        inside = vb.sceneBoundingRect().contains(pos)
        i = self.index_at(vb.mapSceneToView(pos).x()) if inside else None
        if i != self.last:
            self.last = i
            self.outline.setVisible(i is not None)
            if i is not None:
                width = self.widths if np.isscalar(self.widths) else self.widths[i]  # type: ignore[index]
                self.outline.setOpts(x=[self.centres[i]], height=[max(float(self.tops[i]), 0.0)], width=width)
            text = self.on_slot(i)
            self._tip_text = text
        if i is None or not self._tip_text:
            self.tip.hide()
        else:
            self.tip.show_at(self._tip_text, pos)

    _tip_text: str | None = None
