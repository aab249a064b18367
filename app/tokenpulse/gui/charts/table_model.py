"""A small read-only table model over rows of display strings plus sort keys (projects, top chats)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from tokenpulse.presenters.plain import no_markup

Index = QModelIndex | QPersistentModelIndex
NO_INDEX = QModelIndex()  # the invalid index: the root


class RowsModel(QAbstractTableModel):
    """Rows are (payload, [cell text…], [sort key…]); columns listed in `numeric` are right-aligned."""

    def __init__(self, headers: Sequence[str], numeric: set[int], sort_column: int = 0,
                 sort_order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> None:
        super().__init__()
        self.headers = list(headers)
        self.numeric = numeric
        self.rows: list[tuple[object, list[str], list[object]]] = []
        self.sorting = (sort_column, sort_order)

    def set_rows(self, rows: list[tuple[object, list[str], list[object]]]) -> None:
        """New rows, kept in the order the user last chose."""
        self.beginResetModel()
        self.rows = rows
        self._sort_rows()
        self.endResetModel()

    def _sort_rows(self) -> None:
        column, order = self.sorting
        self.rows.sort(key=lambda r: r[2][column], reverse=order == Qt.SortOrder.DescendingOrder)  # type: ignore[arg-type, return-value]

    def payload(self, row: int) -> object:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: Index = NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = NO_INDEX) -> int:
        return len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        _payload, cells, _keys = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:  # tooltips guess rich text; cells hold folder names from logs
            cell = cells[index.column()]
            return no_markup(cell) if isinstance(cell, str) else cell
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.sorting = (column, order)
        self._sort_rows()
        self.layoutChanged.emit()
