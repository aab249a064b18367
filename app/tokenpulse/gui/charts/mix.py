"""Token mix: per day, output / input / cache write / cache read stacked, in tokens or in dollars, and how
many input-side tokens the model was fed per output token."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import (
    DAY_S,
    LogRatioAxis,
    TwinAxis,
    day_axis,
    money_label,
    style_twin,
    token_axis,
    token_label,
)
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
from tokenpulse.gui.charts.style import STACK_ORDER, TOKEN_LABELS, TOKENS, Theme, usd
from tokenpulse.insights import chart_data
from tokenpulse.insights.chart_data import Daily, Sums


def _value(t: Sums, kind: str, unit: str) -> float:
    if unit == "tokens":
        return float(getattr(t, kind))
    return getattr(t, f"{kind}_cost") or 0.0


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


class TokenMixView(ChartView):
    name = "mix"
    title = "Token mix"

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.unit = "tokens"
        as_tokens, as_cost = QRadioButton("Tokens"), QRadioButton("Cost")
        as_tokens.setChecked(True)
        self._unit_group = QButtonGroup(self)
        self.unit_buttons = {"tokens": as_tokens, "cost": as_cost}
        for button, unit in ((as_tokens, "tokens"), (as_cost, "cost")):
            self._unit_group.addButton(button)
            button.toggled.connect(lambda on, u=unit: on and self.set_unit(u))
        self.legend = legend = QLabel("&nbsp;&nbsp;".join(
            [*(theme.swatch(TOKENS[k], TOKEN_LABELS[k]) for k in STACK_ORDER),
             "- - input-side tokens per output token"]))
        top = QHBoxLayout()
        top.addWidget(QLabel("What the model was fed, and what it wrote, per day:"))
        top.addWidget(as_tokens)
        top.addWidget(as_cost)
        top.addStretch(1)
        top.addWidget(legend)
        self.left = token_axis()
        self.plot = plot_widget(bottom=day_axis(), left=self.left)
        item = self.plot.getPlotItem()
        item.setLabel("left", "Tokens")
        self.twin = TwinAxis(item, LogRatioAxis(), "Input-side tokens per output token (log scale)")
        self.ratio_line = pg.PlotDataItem(connect="finite", symbol="o", symbolSize=4, symbolPen=None)
        self.twin.view.addItem(self.ratio_line)
        self.bars = StackedBars(item)
        self.hover = DayHover(item, self.show_day)
        self.readout = readout_label()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
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

    def set_unit(self, unit: str) -> None:
        if unit != self.unit:
            self.unit = unit
            self.unit_buttons[unit].setChecked(True)  # called from code too: the toggle shows the truth
            if self.result is not None:
                self.apply(self.result)
                self.sig_changed.emit()

    def apply(self, result: Result) -> None:
        self.result = result
        d: Daily = result.data
        x = day_x(d.days)
        series = [(TOKEN_LABELS[k], TOKENS[k], [_value(t, k, self.unit) for t in d.totals]) for k in STACK_ORDER]
        self.bars.set_data(x, series, width=DAY_S * 0.8)
        ratios = nan_list([t.fed_per_output for t in d.totals])
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(ratios > 0, np.log10(np.where(ratios > 0, ratios, 1.0)), np.nan)
        ink = self.theme.foreground
        self.ratio_line.setData(x, logs)
        self.ratio_line.setPen(pg.mkPen(ink, width=1.5, style=Qt.PenStyle.DashLine))
        self.ratio_line.setSymbolBrush(pg.mkBrush(ink))
        item = self.plot.getPlotItem()
        money = self.unit == "cost"
        self.left.set_format(money_label if money else token_label)
        item.setLabel("left", "Cost (USD)" if money else "Tokens")
        if len(x):
            item.setXRange(x[0] - DAY_S * 0.6, x[-1] + DAY_S * 0.6, padding=0)
        top = float(self.bars.tops.max()) if len(self.bars.tops) else 0.0
        item.setYRange(0, max(top, 1e-9 if money else 1) * 1.08, padding=0)
        finite = logs[np.isfinite(logs)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        self.twin.view.setYRange(min(lo, 0.0), max(hi, lo + 1.0) + 0.1, padding=0)
        self.hover.set_days(float(x[0]) if len(x) else 0.0, len(x))
        self.show_day(None)

    def day_numbers(self, day: str) -> dict[str, object]:
        d = self.daily
        assert d is not None
        t = d.totals[d.index(day)]
        return {"input": t.input, "cache_write": t.cache_write, "cache_read": t.cache_read, "output": t.output,
                "cost": t.cost, "fed_per_output": t.fed_per_output,
                "costs": {k: getattr(t, f"{k}_cost") for k in STACK_ORDER}}

    def show_day(self, index: int | None) -> None:
        d = self.daily
        if d is None:
            return
        if index is None:
            total = Sums()
            for t in d.totals:
                total.add_row((t.calls, t.input, t.cache_write, t.cache_read, t.output, t.reasoning, t.cost,
                               t.unpriced_calls, t.input_cost, t.cache_write_cost, t.cache_read_cost,
                               t.output_cost))
            ratio = total.fed_per_output
            self.readout.setText(
                f"<b>{len(d.days)} days</b> · cache reads are <b>{_pct(total.cache_read, total.fed)}</b> of the"
                f" input-side tokens and <b>{_pct(total.cache_read_cost or 0, total.cost or 0)}</b> of the cost"
                f" ({usd(total.cache_read_cost)} of {usd(total.cost)})"
                + (f" · <b>{ratio:,.0f}</b> input-side tokens per output token" if ratio is not None else "")
                + " — hover a day for its numbers")
            return
        t = d.totals[index]
        if t.calls == 0:
            self.readout.setText(f"<b>{pretty_day(d.days[index])}</b> · no usage")
            return
        parts = " · ".join(  # exact figures for the hovered day; the axes stay rounded
            f"{self.theme.swatch(TOKENS[k], TOKEN_LABELS[k])} {getattr(t, k):,}"
            f" ({usd(getattr(t, f'{k}_cost'))})" for k in STACK_ORDER)
        ratio = t.fed_per_output
        self.readout.setText(f"<b>{pretty_day(d.days[index])}</b> · {parts} · cost <b>{usd(t.cost)}</b>"
                             + (f" · <b>{ratio:,.0f}</b> fed per output token" if ratio is not None else ""))

    def export_title(self) -> str:
        return f"{super().export_title()} · {'tokens' if self.unit == 'tokens' else 'cost (USD)'} per day by type"

    def export_legend(self) -> str:
        return self.legend.text()

    def clear_hover(self) -> None:
        self.hover.clear()

    def export_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def table(self) -> tuple[list[str], list[list[object]]]:
        assert self.daily is not None
        return chart_data.mix_table(self.daily)

    def set_theme(self, theme: Theme) -> None:
        theme.style_plot(self.plot)
        style_twin(self.twin, theme)
        super().set_theme(theme)
