"""The charts' listings: numeric columns sort largest first on their first click (the header's first click
asks for ascending), a second click turns the order, text columns keep the header's order."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tokenpulse.gui.charts.table_model import RowsModel, keep_indicator, listing


def test_a_numeric_column_sorts_largest_first_on_its_first_click(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = RowsModel(("Project", "Calls"), {1}, 0, Qt.SortOrder.AscendingOrder)
    view = listing(model, (100, 60), 0, Qt.SortOrder.AscendingOrder)
    model.sig_order_chosen.connect(lambda col, order: keep_indicator(view.header(), col, order))
    qtbot.addWidget(view)
    model.set_rows([(n, [n, str(c)], [n, c]) for n, c in (("a", 5), ("b", 50), ("c", 7))])
    assert [model.payload(r) for r in range(3)] == ["a", "b", "c"]
    view.header().setSortIndicator(1, Qt.SortOrder.AscendingOrder)  # what a first click on "Calls" asks
    assert [model.payload(r) for r in range(3)] == ["b", "c", "a"]
    assert view.header().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder  # the arrow says so too
    view.header().setSortIndicator(1, Qt.SortOrder.AscendingOrder)  # a second click on it
    assert [model.payload(r) for r in range(3)] == ["a", "c", "b"]
    view.header().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # text: as asked
    assert [model.payload(r) for r in range(3)] == ["a", "b", "c"]


def test_folder_names_from_the_logs_are_shown_with_their_controls_escaped(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A right-to-left override in a folder name would reverse what follows it in the cell; an escape sequence
    would be shown raw. Every listing cell (Projects, the costliest chats, What if…) shows them as escapes."""
    model = RowsModel(("Project", "Calls"), {1})
    view = listing(model, (100, 60), 0)
    qtbot.addWidget(view)
    hostile = "/w/evil\u202etxt.exe\x1b[2J"
    model.set_rows([(hostile, [hostile, "3"], [hostile, 3])])
    shown = model.data(model.index(0, 0))
    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert shown == "/w/evil\\u202etxt.exe\\x1b[2J"
    assert isinstance(tip, str) and "\u202e" not in tip and "\x1b" not in tip
    assert model.payload(0) == hostile  # the row still knows its real folder
