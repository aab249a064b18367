"""A small read-only table model over rows of display strings plus sort keys (projects, top chats), and the
look every listing of the charts shares (the Chats tree's): flat rows, alternating colours, numbers on the
right, largest first on the first click of a numeric column."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from tokenpulse.presenters.plain import no_markup
from tokenpulse.untrusted_text import escape_controls

Index = QModelIndex | QPersistentModelIndex
NO_INDEX = QModelIndex()  # the invalid index: the root


def first_click_order(column: int, order: Qt.SortOrder, previous: int, numeric: set[int]) -> Qt.SortOrder:
    """A numeric column clicked for the first time sorts largest first (the header's first click asks for
    ascending); a second click on the same column turns the order as usual."""
    if column != previous and column in numeric:
        return Qt.SortOrder.DescendingOrder
    return order


def keep_indicator(header: QHeaderView, column: int, order: Qt.SortOrder) -> None:
    """Show the order the model chose (first_click_order) without asking it to sort again."""
    if header.sortIndicatorSection() != column or header.sortIndicatorOrder() != order:
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)
        header.viewport().update()


def listing(model: QAbstractTableModel, widths: Sequence[int], sort_column: int,
            order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> QTreeView:
    """A flat, sortable list in the Chats table's style."""
    view = QTreeView()
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.sortByColumn(sort_column, order)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)  # a model list keeps its first names
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = view.header()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for col, width in enumerate(widths):
        header.resizeSection(col, width)
    return view


class RowsModel(QAbstractTableModel):
    """Rows are (payload, [cell text…], [sort key…]); columns listed in `numeric` are right-aligned and sort
    largest first on their first click."""

    sig_order_chosen = Signal(int, Qt.SortOrder)  # the order it sorted by, when not the one asked for

    def __init__(self, headers: Sequence[str], numeric: set[int], sort_column: int = 0,
                 sort_order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> None:
        super().__init__()
        self.headers = list(headers)
        self.numeric = numeric
        self.rows: list[tuple[object, list[str], list[object]]] = []
        self.sorting = (sort_column, sort_order)
        self.tips: dict[int, str] = {}

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
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.tips.get(section)
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole
                and section in self.numeric):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        _payload, cells, _keys = self.rows[index.row()]
        cell = cells[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:  # folder names come from the logs: a bidi override would reorder
            return escape_controls(cell) if isinstance(cell, str) else cell
        if role == Qt.ItemDataRole.ToolTipRole:  # tooltips guess rich text; cells hold folder names from logs
            return no_markup(escape_controls(cell)) if isinstance(cell, str) else cell
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        chosen = first_click_order(column, order, self.sorting[0], self.numeric)
        self.layoutAboutToBeChanged.emit()
        self.sorting = (column, chosen)
        self._sort_rows()
        self.layoutChanged.emit()
        if chosen != order:
            self.sig_order_chosen.emit(column, chosen)
