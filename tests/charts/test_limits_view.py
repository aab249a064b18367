"""The Limits view's hover (issue 13 §3): a read-out next to the pointer and a highlight of what it reads (a ring
on each window's reading, an outline on that hour's bar), in either plot, as the other charts do; cleared on
leaving. Offscreen, on chart data made here."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from tokenpulse.gui.charts.base import Result
from tokenpulse.gui.charts.limits import HOUR_S, LimitsView
from tokenpulse.gui.charts.style import Theme
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.insights.limits_chart import LimitsChart, WindowLine

DAY = DayRange(date(2026, 3, 1), date(2026, 3, 1))
START = (date(2026, 3, 1) - date(1970, 1, 1)).days * 86_400  # the day's first x


def _x(hours: float) -> float:
    return START + hours * HOUR_S


CHART = LimitsChart(
    lines=[WindowLine("claude-code", 300, [_x(1), _x(5)], [50.0, 50.0]),
           # Codex: 10 % then 40 %, unknown from 04:00 (its reset) until a reading of 5 % at 06:00
           WindowLine("codex", 300, [_x(1), _x(2), _x(3), _x(4), _x(4), _x(6), _x(7)],
                      [10.0, 10.0, 40.0, 40.0, None, 5.0, 5.0])],
    resets=[(_x(4), "codex", 300)], hits=[], hours_x=[_x(3)], hours_output=[500])


def _view(qtbot) -> LimitsView:  # type: ignore[no-untyped-def]
    view = LimitsView(Theme.from_palette(QGuiApplication.palette()))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.apply(Result(DAY, CHART))
    QApplication.processEvents()
    return view


def test_hovering_reads_out_next_to_the_pointer_and_rings_the_readings(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = _view(qtbot)
    view._on_scene_mouse_moved(view.top.vb.mapViewToScene(QPointF(_x(3.5), 40)))
    tip = view.tip.text()
    assert view.tip.isVisible() and "Codex 5h <b>40 %</b>" in tip and "Claude Code 5h <b>50 %</b>" in tip
    assert "output that hour <b>500</b>" in tip and "<br>" in tip  # one line per reading, as the other tips
    assert view.readout.text().startswith("<b>Sun 01 Mar 03:30</b>")  # the footer says the same
    xs, ys = view.points.getData()
    assert view.points.isVisible() and sorted(ys) == [40.0, 50.0] and set(xs) == {xs[0]}
    assert abs(xs[0] - _x(3.5)) < HOUR_S / 10  # at the pointer
    outline = view.hour_outline.opts
    assert view.hour_outline.isVisible() and list(outline["x"]) == [_x(3) + HOUR_S / 2]
    assert list(outline["height"]) == [500.0]


def test_a_window_unknown_after_its_reset_is_not_read_out_nor_ringed(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = _view(qtbot)
    view._on_scene_mouse_moved(view.bottom.vb.mapViewToScene(QPointF(_x(4.5), 10)))  # over the lower plot
    assert "Codex" not in view.tip.text() and "Claude Code 5h <b>50 %</b>" in view.tip.text()
    assert list(view.points.getData()[1]) == [50.0]
    assert not view.hour_outline.isVisible()  # no output that hour


def test_leaving_clears_the_read_out_and_the_highlight(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = _view(qtbot)
    view._on_scene_mouse_moved(view.top.vb.mapViewToScene(QPointF(_x(3.5), 40)))
    view.clear_hover()
    assert not view.tip.isVisible() and not view.points.isVisible() and not view.hour_outline.isVisible()
    assert not view.marker.isVisible() and view.readout.text() == view.summary
