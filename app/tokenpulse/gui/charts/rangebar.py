"""The range controls: 7 d / 30 d / 90 d / 1 y / all buttons and a from–to date picker."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QButtonGroup, QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from tokenpulse.insights.chart_data import RANGES, DayRange

LABELS = {"7d": "7 d", "30d": "30 d", "90d": "90 d", "1y": "1 y", "all": "All"}


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class RangeBar(QWidget):
    sig_preset_chosen = Signal(str)
    sig_days_chosen = Signal(object, object)  # first, last (datetime.date)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for key in RANGES:
            button = QPushButton(LABELS[key])
            button.setCheckable(True)
            button.setToolTip(f"Show the last {LABELS[key]}" if key != "all" else "Show everything recorded")
            button.clicked.connect(lambda _=False, k=key: self.sig_preset_chosen.emit(k))
            self._group.addButton(button)
            self.buttons[key] = button
            layout.addWidget(button)
        layout.addSpacing(12)
        self.first = QDateEdit()
        self.last = QDateEdit()
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.editingFinished.connect(self._on_edit_finished)
        layout.addWidget(QLabel("From"))
        layout.addWidget(self.first)
        layout.addWidget(QLabel("to"))
        layout.addWidget(self.last)

    def show_preset(self, key: str | None) -> None:
        if key is None:
            self._group.setExclusive(False)
            for button in self.buttons.values():
                button.setChecked(False)
            self._group.setExclusive(True)
        else:
            self.buttons[key].setChecked(True)

    def show_range(self, rng: DayRange) -> None:
        for edit, d in ((self.first, rng.first), (self.last, rng.last)):
            edit.blockSignals(True)
            edit.setDate(_qdate(d))
            edit.blockSignals(False)
        self._shown = (rng.first, rng.last)

    def _on_edit_finished(self) -> None:
        chosen = (_date(self.first.date()), _date(self.last.date()))
        if chosen != getattr(self, "_shown", None):
            self._shown = chosen
            self.sig_days_chosen.emit(*chosen)
