"""The waste arithmetic: the issue's worked example and the edge cases of prices and allowance."""

from __future__ import annotations

import pytest

from tokenpulse.insights.waste import CallPoint, chat_figures, fresh_chat_saving, waste_per_call

CONTEXTS = [100 * k for k in range(1, 12)]  # 100, 200, …, 1,100


def test_worked_example_wastes_5500_of_6600_tokens() -> None:
    figures = chat_figures([CallPoint(c) for c in CONTEXTS], recap_allowance=0)
    assert figures.calls == 11
    assert figures.first_context == 100
    assert figures.peak_context == 1_100
    assert figures.last_context == 1_100
    assert figures.context_tokens == 6_600
    assert figures.waste_tokens == 5_500
    assert waste_per_call(CONTEXTS, 0) == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]


def test_recap_allowance_is_not_waste() -> None:
    # waste_k = max(0, c − 100 − 150): 300→50 … 1,100→850
    assert chat_figures([CallPoint(c) for c in CONTEXTS], recap_allowance=150).waste_tokens == sum(
        range(50, 851, 100))


def test_waste_cost_uses_each_calls_read_price_and_share_divides_by_chat_cost() -> None:
    points = [CallPoint(1_000, 1e-6, 0.01), CallPoint(3_000, 1e-6, 0.02), CallPoint(6_000, 2e-6, 0.07)]
    f = chat_figures(points, recap_allowance=0)
    assert f.waste_tokens == 2_000 + 5_000
    assert f.waste_cost == pytest.approx(2_000 * 1e-6 + 5_000 * 2e-6)
    assert f.cost == pytest.approx(0.10)
    assert f.waste_share == pytest.approx(0.012 / 0.10)


def test_unknown_prices_give_none_never_zero() -> None:
    f = chat_figures([CallPoint(1_000), CallPoint(5_000)], recap_allowance=0)
    assert f.waste_tokens == 4_000
    assert f.waste_cost is None and f.cost is None and f.waste_share is None


def test_no_waste_costs_nothing_and_empty_chat_has_no_figures() -> None:
    assert chat_figures([CallPoint(1_000), CallPoint(1_000)], 0).waste_cost == 0.0
    empty = chat_figures([], 5_000)
    assert empty.calls == 0 and empty.waste_tokens == 0 and empty.cost is None


def test_fresh_chat_saving_is_ten_messages_of_the_excess_at_cache_read_price() -> None:
    assert fresh_chat_saving(115_000, 10_000, 5_000, 1e-6) == pytest.approx(1.0)
    assert fresh_chat_saving(115_000, 10_000, 5_000, None) is None
    assert fresh_chat_saving(12_000, 10_000, 5_000, 1e-6) == 0
