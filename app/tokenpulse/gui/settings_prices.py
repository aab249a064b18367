"""The settings' list of the built-in price of every model in the store, and which models have none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.insights.inventory import ModelPrice, builtin_prices
from tokenpulse.presenters.numbers import grouped

COLUMNS = ("Model", "Calls", "Input", "Output", "Cache read", "Cache write 5m", "Cache write 1h")
WARN = "#c62828"


def read_prices(database: Path) -> list[ModelPrice]:
    """Worker side: the models in the store and their built-in prices, from a read-only connection."""
    if not database.exists():
        return []  # a first start: nothing read yet
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5.0)
    try:
        return builtin_prices(conn)
    finally:
        conn.close()


class BuiltinPrices(QWidget):
    """A note and a read-only table; double-clicking a model offers to set one's own price for it."""

    sig_model_picked = Signal(object)  # ModelPrice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prices: list[ModelPrice] | None = None
        self.note = QLabel("Built-in prices of the models in your logs: reading the store…", wordWrap=True,
                           objectName="builtin_note")
        self.table = QTableWidget(0, len(COLUMNS), objectName="builtin_prices")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip("Double-click a model to set your own price for it")
        self.table.cellDoubleClicked.connect(self._on_cell_double_clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)

    def show_prices(self, found: object) -> None:
        """The models found (or the error met reading the store)."""
        if isinstance(found, Exception):
            self.note.setText(f"Built-in prices: the store could not be read ({found}).")
            return
        assert isinstance(found, list)
        self.prices = found
        table = self.table
        table.setRowCount(len(found))
        for row, m in enumerate(found):
            cells = [m.model, grouped(m.calls)]
            if m.rates is None:
                cells += ["no built-in price", "", "", "", ""]
            else:
                r = m.rates
                cells += [_per_million(r.input[0]), _per_million(r.output[0]), _per_million(r.cache_read[0]),
                          _per_million(r.cache_write_5m[0]), _per_million(r.cache_write_1h[0])]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col >= 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if m.rates is None:
                    item.setForeground(QColor(WARN))
                table.setItem(row, col, item)
            if m.rates is None:
                table.setSpan(row, 2, 1, len(COLUMNS) - 2)
        missing = [m for m in found if m.rates is None]
        if not found:
            self.note.setText("Built-in prices: no model in your logs yet.")
        elif missing:
            names = ", ".join(m.model for m in missing)
            self.note.setText(
                f"Built-in prices (USD per million tokens, on the day each was last used). {len(missing)} of"
                f" {len(found)} models have none: {names}. Their calls cost \"no price\" until you set one above"
                " (double-click a model to add it).")
        else:
            self.note.setText(f"Built-in prices (USD per million tokens, on the day each was last used):"
                              f" all {len(found)} models in your logs have one.")

    def _on_cell_double_clicked(self, row: int, _column: int) -> None:
        if self.prices is not None and 0 <= row < len(self.prices):
            self.sig_model_picked.emit(self.prices[row])


def _per_million(price: float) -> str:
    return f"${price:,.4g}"
