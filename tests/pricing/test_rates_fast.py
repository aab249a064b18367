"""A call's cost by the short way (rates without tiers) equals the general sum to the last bit, and pricing a
whole batch (`Pricer.price`) equals pricing call by call."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from tokenpulse.pricing.pricer import Pricer
from tokenpulse.pricing.rates import Rates
from tokenpulse.usage import ApiCall

NEVER = 10**15  # a tier no context reaches: the general path, with the same prices as the short one

prices = st.one_of(st.sampled_from([0.0, 0.3, 3.0, 3.75, 6.0, 15.0, 0.08, 1.25, 0.1 + 0.2]),
                   st.floats(min_value=0.0, max_value=1e4, allow_nan=False))
counts = st.one_of(st.just(0), st.integers(0, 10**12))


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _call(inp: int, cw5: int, cw1: int, cr: int, out: int) -> ApiCall:
    return ApiCall(source="s", dedupe_key=b"k", session_key="c", ts_ms=1_770_000_000_000, model="m", input=inp,
                   cache_write_5m=cw5, cache_write_1h=cw1, cache_read=cr, output=out)


def _general(rates: Rates, call: ApiCall) -> float:
    """The general sum (every term, tiers looked up), whatever short way `cost` may take."""
    from tokenpulse.pricing.rates import _apply

    context = call.context
    return (_apply(rates.input, call.input, context) + _apply(rates.cache_write_5m, call.cache_write_5m, context)
            + _apply(rates.cache_write_1h, call.cache_write_1h, context)
            + _apply(rates.cache_read, call.cache_read, context) + _apply(rates.output, call.output, context))


@given(p=st.tuples(prices, prices, prices, prices, prices), c=st.tuples(counts, counts, counts, counts, counts),
       tier=st.sampled_from([None, 0, 1, 200_000, 10**12, NEVER]), tier_price=prices)
def test_the_short_way_is_the_general_sum_to_the_bit(p: tuple[float, ...], c: tuple[int, ...], tier: int | None,
                                                      tier_price: float) -> None:
    """Without tiers, or below the lowest one (a long-context tier on one rate, as Sonnet's), the base prices."""
    rates = Rates(*((x, () if tier is None or i % 2 else ((tier, tier_price),)) for i, x in enumerate(p)))
    assert rates._flat is not None
    call = _call(*c)
    assert _bits(rates.cost(call)) == _bits(_general(rates, call))


def test_a_negative_or_negative_zero_price_takes_the_general_way() -> None:
    """-0.0 + 0.0 is 0.0: skipping a zero count's term would then change the sign of a zero cost."""
    rates = Rates((-0.0, ()), (0.0, ()), (0.0, ()), (0.0, ()), (0.0, ()))
    assert rates._flat is None
    assert _bits(rates.cost(_call(5, 0, 0, 0, 0))) == _bits(0.0) == _bits(_general(rates, _call(5, 0, 0, 0, 0)))
    assert Rates((-1.0, ()), (0.0, ()), (0.0, ()), (0.0, ()), (0.0, ()))._flat is None


@given(st.lists(st.tuples(st.sampled_from(["claude-sonnet-4-5-20250929", "gpt-5-codex", "no-such-model", "unknown"]),
                          st.integers(1_760_000_000_000, 1_780_000_000_000), counts, counts, counts),
                max_size=20))
def test_pricing_a_batch_equals_pricing_each_call(rows: list[tuple[str, int, int, int, int]]) -> None:
    calls = [ApiCall(source="s", dedupe_key=b"k", session_key="c", ts_ms=ts, model=model, input=inp, cache_read=cr,
                     output=out) for model, ts, inp, cr, out in rows]
    one_by_one = Pricer()
    expected = [one_by_one.cost(c) for c in calls]
    Pricer().price(calls)
    assert [c.cost_usd for c in calls] == expected
    assert any(c.cost_usd is None for c in calls) or all(m not in ("no-such-model", "unknown") for m, *_ in rows)


def test_the_short_way_stops_at_the_lowest_tier() -> None:
    """A context of exactly the tier's start is still billed at base prices; one token more is not."""
    rates = Rates((3.0, ()), (3.75, ()), (6.0, ()), (0.3, ((200_000, 0.6),)), (15.0, ((100_000, 22.5),)))
    for context in (99_999, 100_000, 100_001, 199_999, 200_000, 200_001):
        call = _call(1_000, 0, 0, context - 1_000, 500)
        assert _bits(rates.cost(call)) == _bits(_general(rates, call)), context
