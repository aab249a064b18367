"""The What if… dialog's words and table rows from a WhatIfReport (pure; plain text, log-derived names escaped).

Rows are (payload, [cell text…], [sort key…]) for table_model.RowsModel.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from tokenpulse.gui.charts.style import usd
from tokenpulse.insights.chart_data import local_time
from tokenpulse.insights.whatif import Repriced
from tokenpulse.insights.whatif_report import WhatIfReport
from tokenpulse.pricing.rates import Rates
from tokenpulse.untrusted_text import escape_controls

Row = tuple[object, list[str], list[object]]


def priced_models(overrides: Mapping[str, Rates]) -> list[str]:
    """The models the price table prices today (the ones agents use), and the user's price overrides."""
    from tokenpulse.pricing.table import RATES

    listed = {m for m, periods in RATES.items() if periods and periods[-1][1] is not None}
    return sorted(listed | set(overrides))


def signed(x: float | None) -> str:
    """'+$1.20', '−$0.40', '—' (unknown: a side of it has calls without a known price)."""
    if x is None:
        return "—"
    return ("+" if x >= 0 else "−") + usd(abs(x))


def totals_words(r: WhatIfReport) -> str:
    """The actual cost beside the re-priced one, and what was left out of either."""
    if r.result is None:
        if not r.target:
            return "pick a model to re-price these calls (the facts per model are below)."
        return (f"no price is known offline for {escape_controls(r.target)!r}: nothing to re-price with (add a"
                " price override in Settings). The facts per model are below.")
    t = r.result.total
    if not r.result.rows:
        return "no usage recorded here."
    words = (f"actual cost {usd(t.actual_cost)} · on {escape_controls(r.target)} {usd(t.whatif_cost)}"
             f" · difference {signed(t.difference)} ({t.calls:,} calls)")
    if t.unpriced_calls:
        words += f" · {t.unpriced_calls:,} call(s) have no known cost of their own (left out of the actual cost)"
    if t.calls_without_target_price:
        words += (f" · {t.calls_without_target_price:,} call(s) fall on days with no known price for"
                  f" {escape_controls(r.target)} (left out of the what-if cost)")
    return words


def _repriced(m: Repriced) -> Row:
    diff = m.difference
    cw = m.cache_write_5m + m.cache_write_1h
    return (m.model, [escape_controls(m.model), f"{m.calls:,}", f"{m.input:,}", f"{cw:,}", f"{m.cache_read:,}",
                      f"{m.output:,}", usd(m.actual_cost), usd(m.whatif_cost), signed(diff)],
            [m.model.lower(), m.calls, m.input, cw, m.cache_read, m.output, m.actual_cost or 0.0,
             m.whatif_cost or 0.0, -1e18 if diff is None else diff])


def repriced_rows(r: WhatIfReport) -> list[Row]:
    return [] if r.result is None else [_repriced(m) for m in r.result.rows]


def facts_rows(r: WhatIfReport) -> list[Row]:
    rows: list[Row] = []
    for f in r.facts:
        per = f.cost_per_output_token
        rows.append((f.model, [escape_controls(f.model), f"{f.calls:,}", f"{f.small_calls:,} ({f.small_share:.0%})",
                               f"{f.median_output:,.0f}", f"{f.output_tokens:,}", usd(f.cost_usd),
                               "no price" if per is None else f"${per * 1000:,.4f}",
                               "no price" if f.output_price is None else f"${f.output_price:,.2f}"],
                     [f.model.lower(), f.calls, f.small_share, f.median_output, f.output_tokens, f.cost_usd or 0.0,
                      -1.0 if per is None else per, -1.0 if f.output_price is None else f.output_price]))
    return rows


def light_rows(r: WhatIfReport, tz: ZoneInfo) -> list[Row]:
    return [(c.session_id, [local_time(c.last_ms, tz), escape_controls(c.project or "(unknown folder)"),
                            escape_controls(f"{c.source}:{c.session_key}"), f"{c.calls:,}", f"{c.small_calls:,}",
                            f"{c.median_output:,.0f}", usd(c.cost_usd)],
             [c.last_ms, (c.project or "").lower(), c.session_key, c.calls, c.small_calls, c.median_output,
              c.cost_usd or 0.0]) for c in r.light]
