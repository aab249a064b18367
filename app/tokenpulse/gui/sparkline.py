"""The summary's sparkline: output per day as bars, today last and brighter, with dates under it."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from tokenpulse.presenters.numbers import compact

WIDTH = 380 - 24  # the summary's width less its margins


class Sparkline(QWidget):
    """Daily output as bars, today last and brighter; zero days keep their slot so gaps show. Dates under the
    first, the middle and the last (today's) bar say which days they are."""

    BARS_PX = 40

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: tuple[int, ...] = ()
        self.dates: tuple[str, str, str] = ("", "", "")
        self.setMinimumHeight(self.BARS_PX + self._date_px())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def _date_px(self) -> int:
        return self.fontMetrics().height() + 2

    def sizeHint(self) -> QSize:
        return QSize(WIDTH, self.BARS_PX + self._date_px())

    def set_values(self, days: tuple[str, ...], values: tuple[int, ...],
                   dates: tuple[str, str, str] = ("", "", "")) -> None:
        self.values = values
        self.dates = dates
        self.setToolTip("\n".join(f"{d}: {compact(v)} output" for d, v in zip(days, values)))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = max(1, len(self.values))
        top = max(self.values, default=0) or 1
        slot = self.width() / n
        base = self.height() - 1 - self._date_px()
        colour = self.palette().highlight().color()
        p.setPen(QColor(128, 128, 128, 90))
        p.drawLine(0, base, self.width(), base)
        p.setPen(Qt.PenStyle.NoPen)
        for i, v in enumerate(self.values):
            h = max(2.0 if v else 0.0, (base - 2) * v / top)
            c = QColor(colour)
            c.setAlpha(255 if i == n - 1 else 150)
            p.setBrush(c)
            p.drawRoundedRect(QRectF(i * slot + slot * 0.15, base - h, slot * 0.7, h), 1.5, 1.5)
        p.setPen(self.palette().placeholderText().color())
        line = QRectF(0, base + 2, self.width(), self._date_px())
        first, middle, last = self.dates
        mid = (len(self.values) // 2 + 0.5) * slot
        p.drawText(line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), first)
        p.drawText(QRectF(mid - 40, base + 2, 80, self._date_px()),
                   int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), middle)
        p.drawText(line, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), last)
        p.end()
