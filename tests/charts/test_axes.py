"""Axis labels people read: dated day axes whose labels never collide or repeat, and money ticks that differ."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tokenpulse.gui.charts.axes import DAY_S, DayAxis, money_label, token_label


def _x(d: date) -> float:
    return float((d - date(1970, 1, 1)).days * DAY_S)


@pytest.mark.parametrize(("days", "pixels", "kind"), [(7, 1100, "day"), (30, 1100, "day"), (90, 1100, "week"),
                                                     (365, 1100, "month"), (730, 1100, "month"),
                                                     (3650, 1100, "year"), (30, 300, "week")])
def test_day_axis_ticks_fit_and_read_as_dates(qtbot, days: int, pixels: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    axis = DayAxis()
    last = date(2026, 3, 16)
    first = last - timedelta(days=days - 1)
    lo, hi = _x(first) - 0.6 * DAY_S, _x(last) + 0.6 * DAY_S  # as the views set their x range
    levels = axis.tickValues(lo, hi, pixels)
    assert len(levels) == 1  # one level: no second row of labels to collide with the first
    spacing, values = levels[0]
    assert values and all(lo <= v <= hi and v % DAY_S == 0 for v in values)
    shown = [date(1970, 1, 1) + timedelta(days=round(v / DAY_S)) for v in values]
    gaps = {(b - a).days for a, b in zip(shown, shown[1:])}
    per_label = pixels * (min(gaps) if gaps else days) / (days + 1.2)
    assert per_label >= 50  # room for "Mar 30" / "Jan 2026"
    labels = axis.tickStrings(values, 1.0, spacing)
    assert all(a != b for a, b in zip(labels, labels[1:]))
    # a month name recurs only in another year, and every January says which
    assert len(set(labels)) == len(labels) or kind == "month"
    if kind == "day":
        assert gaps <= {1, 2} and labels[0] == f"{shown[0]:%b} {shown[0].day}"
    elif kind == "week":
        assert all(d.weekday() == 0 for d in shown) and gaps <= {7, 14}
    elif kind == "month":
        assert all(d.day == 1 for d in shown)
        assert all(label == f"{d:%b %Y}" for d, label in zip(shown, labels) if d.month == 1)
    else:
        assert all(d.month == d.day == 1 for d in shown) and labels == [str(d.year) for d in shown]


def test_money_ticks_differ_however_small_the_spacing() -> None:
    for spacing in (0.0005, 0.002, 0.05, 0.5, 2.0, 500.0):
        values = [i * spacing for i in range(7)]
        labels = [money_label(v, spacing) for v in values]
        assert labels[0] == "$0" and len(set(labels)) == len(labels), labels
    assert money_label(0.0015, 0.0005) == "$0.0015" and money_label(3.4, 0.2) == "$3.40"
    assert money_label(1200, 200) == "$1,200"


def test_token_ticks_are_counts() -> None:
    assert [token_label(v, 0.2) for v in (0, 0.2, 0.4, 1.0)] == ["0", "", "", "1"]
    assert token_label(1_200_000, 200_000) == "1.2M"


def test_value_axes_keep_their_0_and_draw_the_grid_behind_the_bars(qtbot) -> None:  # type: ignore[no-untyped-def]
    """With a grid, pyqtgraph bounded a value axis by the plot alone, so the 0 on its bottom edge was dropped;
    and the axes (which draw the grid lines) were stacked over the bars."""
    from tokenpulse.gui.charts.axes import token_axis
    from tokenpulse.gui.charts.base import plot_widget

    plot = plot_widget(left=token_axis())
    qtbot.addWidget(plot)
    plot.resize(600, 400)
    plot.getPlotItem().setYRange(0, 9_000, padding=0)
    plot.show()
    axis = plot.getPlotItem().getAxis("left")
    assert axis.grid is not False
    geometry = axis.mapRectFromParent(axis.geometry())
    assert axis.boundingRect().bottom() >= geometry.bottom() + 15  # room for the label on the edge
    assert any(0.0 in values for _s, values in axis.tickValues(0.0, 9_000.0, 400))
    assert axis.tickStrings([0.0, 2_000.0], 1.0, 2_000.0) == ["0", "2k"]
    assert axis.zValue() < 0 and plot.getPlotItem().getAxis("bottom").zValue() < 0  # under the plotted items


def test_tiny_money_and_shares_do_not_cut_a_rich_text_read_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    """"<$0.001" and "< 1 %" opened an HTML tag in the read-outs and swallowed the rest of the line."""
    from PySide6.QtGui import QTextDocument

    from tokenpulse.gui.charts.base import facts_line
    from tokenpulse.gui.charts.style import usd
    from tokenpulse.insights.spend_facts import SpendFacts

    line = f"cost <b>{usd(0.0004)}</b> · " + facts_line(SpendFacts(1.0, 0.001, 0.0, 0.0, 0.0004), 2.0)
    doc = QTextDocument()
    doc.setHtml(line)
    shown = doc.toPlainText()
    assert "under $0.001" in shown and "< 1 % at > 150 k context" in shown and shown.endswith("ran at once")


def test_the_plan_limits_chart_keeps_its_0_too(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Its percentage axis was pyqtgraph's own: no 0 under the windows' curves, and the grid over them."""
    from PySide6.QtGui import QGuiApplication

    from tokenpulse.gui.charts.axes import FormatAxis
    from tokenpulse.gui.charts.limits import LimitsView
    from tokenpulse.gui.charts.style import Theme

    view = LimitsView(Theme.from_palette(QGuiApplication.palette()))
    qtbot.addWidget(view)
    for plot in (view.top, view.bottom):
        axis = plot.getAxis("left")
        assert isinstance(axis, FormatAxis) and axis.zValue() < 0
        assert any(0.0 in values for _s, values in axis.tickValues(0.0, 105.0, 300))
    assert view.top.getAxis("left").tickStrings([0.0, 20.0], 1.0, 20.0) == ["0", "20"]


def _drawn_labels(axis) -> list[str]:  # type: ignore[no-untyped-def]
    """The tick labels the axis would paint (pyqtgraph leaves out a label outside the axis' bounds)."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


def test_the_projects_bars_keep_the_0_of_their_value_axis(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The Projects bars are horizontal: their value axis is the bottom one, and with the grid on the 0 at its
    left edge was dropped (only left and right axes had room for the label on the edge)."""
    from PySide6.QtGui import QGuiApplication

    from tokenpulse.gui.charts.axes import FormatAxis
    from tokenpulse.gui.charts.projects import ProjectsView
    from tokenpulse.gui.charts.style import Theme

    view = ProjectsView(Theme.from_palette(QGuiApplication.palette()))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    item = view.plot.getPlotItem()
    item.setXRange(0, 9_000, padding=0)
    view.show()
    qtbot.waitExposed(view)
    axis = item.getAxis("bottom")
    assert isinstance(axis, FormatAxis) and axis.grid is not False and axis.zValue() < 0
    geometry = axis.mapRectFromParent(axis.geometry())
    assert axis.boundingRect().left() <= geometry.left() - 15  # room for the label on the edge
    labels = _drawn_labels(axis)
    assert labels[:1] == ["0"] and "2k" in labels, labels
