"""Token mix: per day (per week or month on long ranges), output / input / cache write / cache read stacked, in
tokens or in dollars, long-chat waste hatched over the top of what was fed, and how many input-side tokens the
model was fed per output token."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QSizePolicy, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import (
    LogRatioAxis,
    TwinAxis,
    day_axis,
    money_label,
    style_twin,
    token_axis,
    token_label,
)
from tokenpulse.gui.charts.bars import SlotHover, StackedBars, WasteLayer
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
from tokenpulse.gui.charts.style import STACK_ORDER, TOKEN_LABELS, TOKENS, Theme, tokens, usd, waste_brush
from tokenpulse.insights import chart_data, chart_periods
from tokenpulse.insights.chart_data import Daily, Sums
from tokenpulse.presenters.waste_text import share_text


def _value(t: Sums, kind: str, unit: str) -> float:
    if unit == "tokens":
        return float(getattr(t, kind))
    return getattr(t, f"{kind}_cost") or 0.0


def _pct(part: float, whole: float) -> str:
    """A share in the form every view writes it ("41 %"), safe in rich text."""
    return html.escape(share_text(part / whole if whole else None))


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
        # its own row, wrapping: the legend must not widen the window past the screen
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heading = QLabel("What the model was fed, and what it wrote, per day:")
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(as_tokens)
        top.addWidget(as_cost)
        top.addStretch(1)
        self.left = token_axis()
        self.plot = plot_widget(bottom=day_axis(), left=self.left)
        item = self.plot.getPlotItem()
        item.setLabel("left", "Tokens")
        self.twin = TwinAxis(item, LogRatioAxis(), "Input-side tokens per output token (log scale)")
        self.ratio_line = pg.PlotDataItem(connect="finite", symbol="o", symbolSize=4, symbolPen=None)
        self.twin.view.addItem(self.ratio_line)
        self.bars = StackedBars(item)
        self.waste = WasteLayer(item)
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
        x, widths, slots = period_slots(d)
        series = [(TOKEN_LABELS[k], TOKENS[k], [_value(t, k, self.unit) for t in d.totals]) for k in STACK_ORDER]
        self.bars.set_data(x, series, widths, d.partial, self.theme.background)
        money = self.unit == "cost"
        # waste is part of what was fed: hatched from the top of each stack down (cache reads are on top)
        waste = (nan_list(d.waste_cost) if money else np.asarray(d.waste_tokens, dtype=float)) if d.waste_tokens \
            else np.zeros(len(x))
        fed_top = self.bars.tops - np.asarray(series[0][2], dtype=float)  # the output at the bottom is not fed
        self.waste.set_data(x, self.bars.tops, np.minimum(np.nan_to_num(waste), fed_top), widths,
                            waste_brush(self.theme))
        ratios = nan_list([t.fed_per_output for t in d.totals])
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(ratios > 0, np.log10(np.where(ratios > 0, ratios, 1.0)), np.nan)
        ink = self.theme.foreground
        self.ratio_line.setData(x, logs)
        self.ratio_line.setPen(pg.mkPen(ink, width=1.5, style=Qt.PenStyle.DashLine))
        self.ratio_line.setSymbolBrush(pg.mkBrush(ink))
        item = self.plot.getPlotItem()
        self.left.set_format(money_label if money else token_label)
        item.setLabel("left", "Cost (USD)" if money else "Tokens")
        if len(x):
            item.setXRange(float(x[0] - slots[0] * 0.6), float(x[-1] + slots[-1] * 0.6), padding=0)
        top = float(self.bars.tops.max()) if len(self.bars.tops) else 0.0
        y_top = max(top, 1e-9 if money else 1) * 1.12
        item.setYRange(0, y_top, padding=0)
        finite = logs[np.isfinite(logs)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        self.twin.view.setYRange(min(lo, 0.0), max(hi, lo + 1.0) + 0.1, padding=0)
        self.partial.set_data(x, self.bars.tops, d, self.theme, y_top)
        self.hover.set_slots(x, widths, np.maximum(self.bars.tops, y_top * 0.01), slots)
        self.heading.setText(f"What the model was fed, and what it wrote, {period_label(d.unit)}:")
        self.legend.setText("&nbsp;&nbsp;".join(
            [*(self.theme.swatch(TOKENS[k], TOKEN_LABELS[k]) for k in STACK_ORDER),
             self.theme.waste_swatch("long-chat waste (part of what was fed)"),
             "- - input-side tokens per output token"]))
        self.show_day(None)

    def day_numbers(self, day: str) -> dict[str, object]:
        d = self.daily
        assert d is not None
        i = d.index(day)
        t = d.totals[i]
        return {"input": t.input, "cache_write": t.cache_write, "cache_read": t.cache_read, "output": t.output,
                "cost": t.cost, "fed_per_output": t.fed_per_output,
                "waste_tokens": d.waste_tokens[i] if d.waste_tokens else 0,
                "costs": {k: getattr(t, f"{k}_cost") for k in STACK_ORDER}}

    def show_day(self, index: int | None) -> str | None:
        """The read-out for a period (None: the range's summary); returns the pointer tip's text."""
        d = self.daily
        if d is None:
            return None
        if index is None:
            total = Sums()
            for t in d.totals:
                total.add(t)
            ratio = total.fed_per_output
            days = len(self.result.range.days()) if self.result is not None else 0
            self.readout.setText(
                f"<b>{days} days</b> · cache reads are <b>{_pct(total.cache_read, total.fed)}</b> of the"
                f" input-side tokens and <b>{_pct(total.cache_read_cost or 0, total.cost or 0)}</b> of the cost"
                f" ({usd(total.cache_read_cost)} of {usd(total.cost)})"
                + (f" · <b>{ratio:,.0f}</b> input-side tokens per output token" if ratio is not None else "")
                + " — hover a bar for its numbers<br>" + facts_line(d.facts, total.cost))
            return None
        t = d.totals[index]
        when = period_title(d, index)
        if t.calls == 0:
            text = f"<b>{when}</b> · no usage"
            self.readout.setText(text)
            return text
        parts = " · ".join(  # exact figures for the hovered period; the axes stay rounded
            f"{self.theme.swatch(TOKENS[k], TOKEN_LABELS[k])} {getattr(t, k):,}"
            f" ({usd(getattr(t, f'{k}_cost'))})" for k in STACK_ORDER)
        waste = d.waste_tokens[index] if d.waste_tokens else 0
        waste_cost = d.waste_cost[index] if d.waste_cost else None
        ratio = t.fed_per_output
        waste_text = f" · long-chat waste <b>{waste:,}</b> tokens ({usd(waste_cost)})" if waste else ""
        self.readout.setText(f"<b>{when}</b> · {parts} · cost <b>{usd(t.cost)}</b>{waste_text}"
                             + (f" · <b>{ratio:,.0f}</b> fed per output token" if ratio is not None else ""))
        rows = "<br>".join(f"{self.theme.swatch(TOKENS[k], TOKEN_LABELS[k])} {tokens(getattr(t, k))}"
                           f" · {usd(getattr(t, f'{k}_cost'))}" for k in STACK_ORDER)
        return (f"<b>{when}</b><br>{rows}<br>cost <b>{usd(t.cost)}</b>"
                + (f"<br>{self.theme.waste_swatch('waste')} {tokens(waste)} · {usd(waste_cost)}" if waste else ""))

    def export_title(self) -> str:
        unit = period_label(self.daily.unit if self.daily is not None else "day")
        kind = "tokens" if self.unit == "tokens" else "cost (USD)"
        return f"{super().export_title()} · {kind} {unit} by type, long-chat waste hatched"

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
        self.hover.set_theme(theme)
        super().set_theme(theme)
