"""Overview: output tokens per day (per week or month on long ranges) stacked by agent, by model or (all machines)
by device, the cost as a line with its long-chat waste hatched under it, and where the range's cache-read spend
went."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.gui.charts.axes import TwinAxis, day_axis, money_axis, style_twin, token_axis
from tokenpulse.gui.charts.bars import SlotHover, StackedBars
from tokenpulse.gui.charts.base import (
    ChartView,
    PartialMarks,
    Request,
    Result,
    facts_line,
    nan_list,
    period_label,
    period_slots,
    period_title,
    plot_widget,
    readout_label,
)
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import (
    COST,
    OTHER,
    Theme,
    agent_colour,
    device_colours,
    model_colours,
    short_models,
    tokens,
    usd,
    waste_brush,
)
from tokenpulse.insights import chart_data, chart_periods
from tokenpulse.insights.chart_data import Daily
from tokenpulse.insights.waste import waste_share
from tokenpulse.presenters.waste_text import share_text

MAX_MODELS = 7  # more models than this: the rest stack as "other models"


class OverviewView(ChartView):
    name = "overview"
    title = "Overview"

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.split = "agent"
        self.series: list[tuple[str, str, list[int]]] = []
        by_agent, by_model = QRadioButton("By agent"), QRadioButton("By model")
        by_device = QRadioButton("By device", objectName="by_device")  # shown when several devices are read
        by_device.setVisible(False)
        by_agent.setChecked(True)
        self._split_group = QButtonGroup(self)
        self.split_buttons = {"agent": by_agent, "model": by_model, "device": by_device}
        for button, split in ((by_agent, "agent"), (by_model, "model"), (by_device, "device")):
            self._split_group.addButton(button)
            button.toggled.connect(lambda on, s=split: on and self.set_split(s))
        # its own row, wrapping: six model names must not widen the window past the screen
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heading = QLabel("Output tokens per day, stacked")
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(by_agent)
        top.addWidget(by_model)
        top.addWidget(by_device)
        top.addStretch(1)
        self.plot = plot_widget(bottom=day_axis(), left=token_axis())
        item = self.plot.getPlotItem()
        item.setLabel("left", "Output tokens")
        self.twin = TwinAxis(item, money_axis(), "Cost (USD)")
        # the waste band hangs under the cost line: from (cost − waste) up to the cost
        self.cost_line = pg.PlotDataItem(pen=pg.mkPen(COST, width=2), symbol="o", symbolSize=4,
                                         symbolBrush=COST, symbolPen=None, connect="finite")
        self.waste_floor = pg.PlotDataItem(pen=pg.mkPen(COST, width=1, style=Qt.PenStyle.DotLine),
                                           connect="finite")
        self.waste_top = pg.PlotDataItem(pen=pg.mkPen(None))
        self.waste_band = pg.FillBetweenItem(self.waste_top, self.waste_floor)
        for part in (self.waste_floor, self.waste_top, self.waste_band, self.cost_line):
            self.twin.view.addItem(part)
        self.bars = StackedBars(item)
        self.zero_marks = pg.ScatterPlotItem(size=3, symbol="s", pen=None)
        item.addItem(self.zero_marks)
        self.partial = PartialMarks(item)
        self.hover = SlotHover(item, self.plot, self.show_day)
        self.readout = readout_label()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.set_theme(theme)

    def query(self, request: Request) -> Query:
        def run(conn):  # type: ignore[no-untyped-def]
            rng, devices = request.devices(conn)
            return Result(rng, chart_periods.overview(conn, request.tz, rng, request.today, devices))
        return run

    @property
    def daily(self) -> Daily | None:
        return None if self.result is None else self.result.data

    def set_split(self, split: str) -> None:
        if split != self.split:
            self.split = split
            self.split_buttons[split].setChecked(True)  # called from code too: the toggle shows the truth
            if self.result is not None:
                self.apply(self.result)
                self.sig_changed.emit()

    def apply(self, result: Result) -> None:
        self.result = result
        d: Daily = result.data
        self.split_buttons["device"].setVisible("device" in d.output_by)
        if self.split not in d.output_by:  # this machine only again: no device split to show
            self.split = "agent"
            self.split_buttons["agent"].setChecked(True)
        x, widths, slots = period_slots(d)
        self.series = self._series(d)
        self.bars.set_data(x, self.series, widths, d.partial, self.theme.background)
        # a day without calls cost nothing; a day whose calls have no known price has no cost point
        cost = nan_list([0.0 if t.calls == 0 else t.cost for t in d.totals])
        self.cost_line.setData(x, cost)
        waste = np.nan_to_num(nan_list(d.waste_cost or [None] * len(x)))
        known = np.nan_to_num(cost)
        self.waste_top.setData(x, known)
        self.waste_floor.setData(x, known - np.minimum(waste, known))
        self.waste_band.setBrush(waste_brush(self.theme))
        zero = np.array([t.calls == 0 for t in d.totals], dtype=bool)
        self.zero_marks.setData(x[zero], np.zeros(int(zero.sum())), brush=pg.mkBrush(self.theme.muted))
        top = max((t.output for t in d.totals), default=0)
        item = self.plot.getPlotItem()
        if len(x):
            item.setXRange(float(x[0] - slots[0] * 0.6), float(x[-1] + slots[-1] * 0.6), padding=0)
        y_top = max(top, 1) * 1.12
        item.setYRange(0, y_top, padding=0)
        self.twin.set_y_max(max((t.cost or 0.0 for t in d.totals), default=0.0))
        self.partial.set_data(x, self.bars.tops, d, self.theme, y_top)
        self.hover.set_slots(x, widths, np.maximum(self.bars.tops, y_top * 0.01), slots)
        self.heading.setText(f"Output tokens {period_label(d.unit)}, stacked")
        self.legend.setText("&nbsp;&nbsp;".join([self.theme.swatch(c, n) for n, c, _ in self.series]
                                                + [self.theme.swatch(COST, "cost"),
                                                   self.theme.waste_swatch("long-chat waste: the part of the cost"
                                                                           " above the dotted line")]))
        self.show_day(None)

    def _series(self, d: Daily) -> list[tuple[str, str, list[int]]]:
        if self.split == "agent":
            return [(chart_data.agent_label(a), agent_colour(a), d.output_by["agent"][a]) for a in d.agents]
        if self.split == "device":
            colours = device_colours(list(d.output_by["device"]))
            return [(name, colours[name], values) for name, values in d.output_by["device"].items()]
        colours = model_colours(d.catalogue or [("", m) for m in d.models])
        # the largest in the range are drawn, in the store's stable order; the rest as one "other" band on top
        volume = {m: sum(d.output_by["model"][m]) for m in d.models}
        shown = set(sorted(d.models, key=lambda m: -volume[m])[:MAX_MODELS])
        series = [(short_models([m]), colours.get(m, OTHER), d.output_by["model"][m]) for m in d.models if m in shown]
        rest = [m for m in d.models if m not in shown]
        if rest:
            other = [sum(d.output_by["model"][m][i] for m in rest) for i in range(len(d.days))]
            series.append((f"{len(rest)} other models", OTHER, other))
        return series

    def day_numbers(self, day: str) -> dict[str, object]:
        """The exact figures the read-out shows for `day` (tests compare them with the CLI)."""
        d = self.daily
        assert d is not None
        i = d.index(day)
        t = d.totals[i]
        return {"output": t.output, "cost": t.cost, "calls": t.calls,
                "waste_cost": d.waste_cost[i] if d.waste_cost else None,
                "by": {name: values[i] for name, _c, values in self.series}}

    def show_day(self, index: int | None) -> str | None:
        """The read-out for a period (None: the range's summary); returns the pointer tip's text."""
        d = self.daily
        if d is None:
            return None
        if index is None:
            total_out = sum(t.output for t in d.totals)
            costs = [t.cost for t in d.totals if t.cost is not None]
            cost = sum(costs) if costs else None
            busiest = max(range(len(d.days)), key=lambda i: d.totals[i].output, default=None)
            days = len(self.result.range.days()) if self.result is not None else 0
            text = (f"<b>{days} days</b> · output <b>{tokens(total_out)}</b> · cost <b>{usd(cost)}</b>"
                    f" · {sum(t.calls for t in d.totals):,} calls")
            if busiest is not None and d.totals[busiest].output:
                text += f" · busiest {period_title(d, busiest)} ({tokens(d.totals[busiest].output)})"
            self.readout.setText(text + " — hover a bar for its numbers<br>" + facts_line(d.facts, cost))
            return None
        t = d.totals[index]
        when = period_title(d, index)
        if t.calls == 0:
            text = f"<b>{when}</b> · no usage: 0 output tokens, $0.00, 0 calls"
            self.readout.setText(text)
            return text
        # the hovered period in exact figures (the axes and the summary are rounded for reading at a glance)
        parts = " · ".join(f"{self.theme.swatch(c, n)} {v[index]:,}" for n, c, v in self.series if v[index])
        waste = d.waste_cost[index] if d.waste_cost else None
        share = html.escape(share_text(waste_share(waste, t.cost)))
        waste_text = f" · long-chat waste <b>{usd(waste)}</b> ({share} of cost)" if waste else ""
        self.readout.setText(f"<b>{when}</b> · output <b>{t.output:,}</b> tokens ({parts})"
                             f" · cost <b>{usd(t.cost)}</b>{waste_text} · {t.calls:,} calls")
        rows = "<br>".join(f"{self.theme.swatch(c, n)} {v[index]:,}" for n, c, v in self.series if v[index])
        return (f"<b>{when}</b><br>output <b>{t.output:,}</b><br>{rows}<br>cost <b>{usd(t.cost)}</b>"
                + (f"<br>waste {usd(waste)} ({share})" if waste else ""))

    def export_title(self) -> str:
        unit = self.daily.unit if self.daily is not None else "day"
        return (f"{super().export_title()} · output tokens {period_label(unit)} by {self.split}, cost on the right"
                " axis, long-chat waste hatched")

    def export_legend(self) -> str:
        return self.legend.text()

    def clear_hover(self) -> None:
        self.hover.clear()

    def export_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def table(self) -> tuple[list[str], list[list[object]]]:
        assert self.daily is not None
        return chart_data.daily_table(self.daily, self.split)

    def set_theme(self, theme: Theme) -> None:
        theme.style_plot(self.plot)
        style_twin(self.twin, theme)
        self.hover.set_theme(theme)
        super().set_theme(theme)

