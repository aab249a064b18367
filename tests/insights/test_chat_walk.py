"""The one-pass walk of a backfill gives exactly what chat_figures and quarter_hours give (the definitions)."""

from __future__ import annotations

import random

import pytest

from tokenpulse.insights.chat_walk import walk
from tokenpulse.insights.spend_facts import quarter_hours
from tokenpulse.insights.waste import CallPoint, chat_figures
from tokenpulse.pricing.rates import Rates

T = 1_772_359_200_000
TIERED = Rates(input=(3.0, ((200_000, 6.0),)), output=(15.0, ((200_000, 22.5),)),
               cache_read=(0.3, ((200_000, 0.6),)), cache_write_5m=(3.75, ((200_000, 7.5),)),
               cache_write_1h=(6.0, ((200_000, 12.0),)))  # a long-context tier past 200k, as Sonnet 4's
PRICES: dict[str, float | Rates | None] = {"a": 3e-7, "b": 1e-6, "nope": None, "tiered": TIERED}


def _read_price(model: str, context: int) -> float | None:
    """What the definitions price a call's cache reads at: the tier of its own context."""
    found = PRICES[model]
    return found.cache_read_at(context) if isinstance(found, Rates) else found


def _chat(rng: random.Random) -> list[tuple[int, str, int, int, float | None, int]]:
    ts = T + rng.randrange(0, 3_600_000)
    rows = []
    context = rng.randrange(1, 40_000)
    for _ in range(rng.randrange(1, 60)):
        ts += rng.choice([0, 1_000, 30_000, 600_000, 1_800_000, 1_800_001, 5 * 3_600_000, 86_400_000])
        context = max(1, context + rng.randrange(-20_000, 80_000))  # past 200k at times: the tiered model
        model = rng.choice(list(PRICES))
        read = rng.randrange(0, context + 1)
        cost = None if PRICES[model] is None else round(rng.random(), 6)
        rows.append((ts, model, context, rng.choice([0, 0, 500]), cost, read))
    return rows


@pytest.mark.parametrize("seed", range(60))
def test_the_walk_equals_the_definitions(seed: int) -> None:
    rng = random.Random(seed)
    rows = _chat(rng)
    allowance = rng.choice([0, 5_000, 50_000])
    done = walk(rows, lambda model, _ts: PRICES[model], allowance)
    points = [CallPoint(ctx, _read_price(model, ctx), cost, ts, read) for ts, model, ctx, _w, cost, read in rows]
    assert done.figures.calls == len(rows)
    want = chat_figures(points, allowance)
    got = done.figures
    assert (got.calls, got.first_context, got.peak_context, got.last_context, got.context_tokens,
            got.waste_tokens) == (want.calls, want.first_context, want.peak_context, want.last_context,
                                  want.context_tokens, want.waste_tokens)
    for a, b in ((got.waste_cost, want.waste_cost), (got.cost, want.cost)):
        assert (a is None) == (b is None) and (a is None or a == pytest.approx(b))
    quarters = quarter_hours(points, allowance)
    assert [q.bucket_ms for q in done.quarters] == [q.bucket_ms for q in quarters]
    for got, expected in zip(done.quarters, quarters):
        assert (got.calls, got.waste_tokens) == (expected.calls, expected.waste_tokens)
        for field in ("waste_cost", "read_cost", "long_context_read_cost", "long_chat_read_cost"):
            a, b = getattr(got, field), getattr(expected, field)
            assert (a is None) == (b is None) and (a is None or a == pytest.approx(b)), field
    assert done.wrote_1h_cache == any(r[3] for r in rows) and done.last_ms == rows[-1][0]


def test_an_empty_chat_has_no_figures() -> None:
    done = walk([], lambda _m, _t: 1.0, 0)
    assert done.figures.calls == 0 and done.quarters == [] and done.figures.cost is None


def test_each_call_is_priced_at_its_own_tier() -> None:
    """A chat crossing 200k on a tiered model: the calls past it waste at the long-context read price."""
    contexts = [30_000, 120_000, 210_000, 250_000, 90_000]
    rows = [(T + i * 60_000, "tiered", c, 0, 0.5, c - 1_000) for i, c in enumerate(contexts)]
    done = walk(rows, lambda model, _ts: PRICES[model], 10_000)
    floor = contexts[0] + 10_000
    want = sum(max(0, c - floor) * TIERED.cache_read_at(c) for c in contexts)
    flat = sum(max(0, c - floor) * TIERED.cache_read_per_token() for c in contexts)
    assert done.figures.waste_cost == pytest.approx(want) and want > flat
