"""Long-context tiers the provider documents but the price data lacks (pricing/supplements.py).

A 320k-token Claude Sonnet 4 call was charged the base rate (−14 %): genai-prices has no >200k tier for it,
though Anthropic bills the whole request at the long-context rates past 200k input tokens.
"""

from __future__ import annotations

import pytest

from tokenpulse.pricing import catalog, resolve
from tokenpulse.pricing.rates import KINDS
from tokenpulse.usage import ApiCall

DAY = "2026-03-01"


def _call(model: str, cache_read: int, inp: int = 10_000, out: int = 2_000, cw: int = 0) -> ApiCall:
    return ApiCall(source="claude-code", dedupe_key=b"k", session_key="s", ts_ms=0, model=model, input=inp,
                   cache_write_5m=cw, cache_read=cache_read, output=out)


@pytest.mark.parametrize("model", ["claude-sonnet-4-20250514", "claude-sonnet-4-0"])
def test_a_sonnet_4_call_past_200k_is_billed_at_the_long_context_rates(model: str) -> None:
    base = catalog.lookup(model, DAY)
    assert base is not None and all(not getattr(base, k)[1] for k in KINDS)  # the data lacks the tier today
    rates = resolve.lookup(model, DAY)
    assert rates is not None
    long_call = _call(model, cache_read=300_000, cw=5_000)  # 315k context
    expected = (10_000 * 6.0 + 5_000 * 7.5 + 300_000 * 0.6 + 2_000 * 22.5) / 1e6
    assert rates.cost(long_call) == pytest.approx(expected)
    assert rates.cost(long_call) > base.cost(long_call) * 1.1
    short = _call(model, cache_read=100_000)
    assert rates.cost(short) == pytest.approx(base.cost(short))  # below the threshold nothing changes
    assert rates.cache_read_at(315_000) == pytest.approx(0.6e-6)


def test_a_tier_the_data_has_is_kept_and_other_models_are_untouched() -> None:
    for model in ("claude-sonnet-4-5-20250929", "claude-opus-4-1", "gpt-5"):
        assert resolve.lookup(model, DAY) == catalog.lookup(model, DAY), model


def test_the_recorded_price_data_version_names_the_table_in_use() -> None:
    from tokenpulse.pricing import data_version, table

    assert data_version.GENAI_PRICES == table.GENAI_PRICES_VERSION, (
        "pricing/table.py was regenerated: set pricing/data_version.py GENAI_PRICES to its version")
