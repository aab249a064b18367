"""Overview: output tokens per day stacked by agent, by model or (all machines) by device, with the day's cost
as a line."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.gui.charts.axes import DAY_S, TwinAxis, day_axis, money_axis, style_twin, token_axis
from tokenpulse.gui.charts.bars import DayHover, StackedBars
from tokenpulse.gui.charts.base import (
    ChartView,
    Request,
    Result,
    day_x,
    nan_list,
    plot_widget,
    pretty_day,
    readout_label,
)
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import (
    COST,
    OTHER,
    Theme,
    agent_colour,
    model_colours,
    short_models,
    tokens,
    usd,
)
from tokenpulse.insights import chart_data
from tokenpulse.insights.chart_data import Daily

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
        top = QHBoxLayout()
        top.addWidget(QLabel("Output tokens per day, stacked"))
        top.addWidget(by_agent)
        top.addWidget(by_model)
        top.addWidget(by_device)
        top.addStretch(1)
        self.plot = plot_widget(bottom=day_axis(), left=token_axis())
        item = self.plot.getPlotItem()
        item.setLabel("left", "Output tokens")
        self.twin = TwinAxis(item, money_axis(), "Cost (USD)")
        self.cost_line = pg.PlotDataItem(pen=pg.mkPen(COST, width=2), symbol="o", symbolSize=4,
                                         symbolBrush=COST, symbolPen=None, connect="finite")
        self.twin.view.addItem(self.cost_line)
        self.bars = StackedBars(item)
        self.zero_marks = pg.ScatterPlotItem(size=3, symbol="s", pen=None)
        item.addItem(self.zero_marks)
        self.hover = DayHover(item, self.show_day)
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
            return Result(rng, chart_data.daily(conn, request.tz, rng, devices))
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
        x = day_x(d.days)
        self.series = self._series(d)
        self.bars.set_data(x, self.series, width=DAY_S * 0.8)
        # a day without calls cost nothing; a day whose calls have no known price has no cost point
        self.cost_line.setData(x, nan_list([0.0 if t.calls == 0 else t.cost for t in d.totals]))
        zero = np.array([t.calls == 0 for t in d.totals], dtype=bool)
        self.zero_marks.setData(x[zero], np.zeros(int(zero.sum())), brush=pg.mkBrush(self.theme.muted))
        top = max((t.output for t in d.totals), default=0)
        item = self.plot.getPlotItem()
        if len(x):
            item.setXRange(x[0] - DAY_S * 0.6, x[-1] + DAY_S * 0.6, padding=0)
        item.setYRange(0, max(top, 1) * 1.08, padding=0)
        self.twin.set_y_max(max((t.cost or 0.0 for t in d.totals), default=0.0))
        self.hover.set_days(float(x[0]) if len(x) else 0.0, len(x))
        self.legend.setText("&nbsp;&nbsp;".join([self.theme.swatch(c, n) for n, c, _ in self.series]
                                                + [self.theme.swatch(COST, "cost")]))
        self.show_day(None)

    def _series(self, d: Daily) -> list[tuple[str, str, list[int]]]:
        if self.split == "agent":
            return [(chart_data.agent_label(a), agent_colour(a), d.output_by["agent"][a]) for a in d.agents]
        if self.split == "device":
            colours = model_colours(list(d.output_by["device"]))
            return [(name, colours[name], values) for name, values in d.output_by["device"].items()]
        models = d.models[:MAX_MODELS]
        colours = model_colours(models)
        series = [(short_models([m]), colours[m], d.output_by["model"][m]) for m in models]
        rest = d.models[MAX_MODELS:]
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
                "by": {name: values[i] for name, _c, values in self.series}}

    def show_day(self, index: int | None) -> None:
        d = self.daily
        if d is None:
            return
        if index is None:
            total_out = sum(t.output for t in d.totals)
            costs = [t.cost for t in d.totals if t.cost is not None]
            busiest = max(range(len(d.days)), key=lambda i: d.totals[i].output, default=None)
            text = (f"<b>{len(d.days)} days</b> · output <b>{tokens(total_out)}</b> · cost "
                    f"<b>{usd(sum(costs) if costs else None)}</b> · {sum(t.calls for t in d.totals):,} calls")
            if busiest is not None and d.totals[busiest].output:
                text += f" · busiest {pretty_day(d.days[busiest])} ({tokens(d.totals[busiest].output)})"
            self.readout.setText(text + " — hover a day for its numbers")
            return
        t = d.totals[index]
        if t.calls == 0:
            self.readout.setText(f"<b>{pretty_day(d.days[index])}</b> · no usage: 0 output tokens, $0.00, 0 calls")
            return
        # the hovered day in exact figures (the axes and the summary are rounded for reading at a glance)
        parts = " · ".join(f"{self.theme.swatch(c, n)} {v[index]:,}" for n, c, v in self.series if v[index])
        self.readout.setText(f"<b>{pretty_day(d.days[index])}</b> · output <b>{t.output:,}</b> tokens ({parts})"
                             f" · cost <b>{usd(t.cost)}</b> · {t.calls:,} calls")

    def export_title(self) -> str:
        return f"{super().export_title()} · output tokens per day by {self.split}, cost on the right axis"

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
        super().set_theme(theme)
