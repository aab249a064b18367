"""One pass over a chat's calls giving both its figures (insights.waste.chat_figures) and its quarter-hours
(insights.spend_facts.quarter_hours), as fast as Python goes: a backfill walks every call of the store.

The arithmetic is those two functions', inlined (tests/insights/test_chat_walk.py holds the walk equal to them
on random chats): waste_k = max(0, context_k − F − R), costs summed like SQL's sum() (unknown prices left out,
"no known price at all" stays None), a chat's waste cost 0 when it wasted nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tokenpulse.insights.spend_facts import IDLE_GAP_MS, LONG_CHAT_MS, LONG_CONTEXT_TOKENS, QUARTER_MS, QuarterWaste
from tokenpulse.insights.waste import ChatFigures
from tokenpulse.pricing.rates import Rates

_DAY_MS = 86_400_000
# (ts_ms, model, context, cache_write_1h, cost_usd, cache_read) of each call, oldest first
CallRow = tuple[int, str, int, int, float | None, int]
# (model, ts_ms) -> USD per cache-read token, or the rates when that price depends on the call's context (a
# long-context tier), or None (no known price)
PriceAt = Callable[[str, int], "float | Rates | None"]


@dataclass(frozen=True, slots=True)
class Walked:
    figures: ChatFigures
    quarters: list[QuarterWaste]
    wrote_1h_cache: bool
    last_ms: int


def walk(rows: Iterable[CallRow], price_at: PriceAt, recap_allowance: int) -> Walked:
    """`rows` in the order the calls were made (ts_ms, then id): the first sets the fresh floor F."""
    first = floor = -1
    calls = peak = last_context = total = waste_tokens = 0
    waste_cost: float | None = None
    cost_sum: float | None = None
    wrote_1h = False
    prev_ts = last_ms = active = 0
    last_key: tuple[str, int] | None = None
    price: float | None = None
    tiered: Rates | None = None  # rates whose read price depends on the context: asked per call
    done: list[tuple[int, int, int, float | None, float | None, float | None]] = []
    # the quarter-hour being summed: its start, calls, waste tokens, waste cost, read cost, long-context read
    q_start = q_end = -1
    q_calls = q_waste = 0
    q_waste_cost: float | None = None
    q_read: float | None = None
    q_long: float | None = None
    for ts, model, context, cw1h, cost, cache_read in rows:
        if first < 0:
            first = context
            floor = context + recap_allowance  # F + R: above it a call re-reads what a fresh chat would not
        elif 0 < ts - prev_ts <= IDLE_GAP_MS:
            active += ts - prev_ts
        prev_ts = last_ms = ts
        calls += 1
        total += context
        if context > peak:
            peak = context
        last_context = context
        if cw1h:
            wrote_1h = True
        if cost is not None:
            cost_sum = cost if cost_sum is None else cost_sum + cost
        waste = context - floor if context > floor else 0
        waste_tokens += waste
        key = (model, ts // _DAY_MS)
        if key != last_key:
            last_key = key
            found = price_at(model, ts)
            tiered = found if isinstance(found, Rates) else None
            price = None if tiered is not None else found  # type: ignore[assignment]
        if tiered is not None:
            price = tiered.cache_read_at(context)  # the tier this call was billed at
        if ts >= q_end:
            if q_calls:
                done.append((q_start, q_calls, q_waste, q_waste_cost, q_read, q_long))
            q_start = ts - ts % QUARTER_MS
            q_end = q_start + QUARTER_MS
            q_calls = q_waste = 0
            q_waste_cost = q_read = q_long = None
        q_calls += 1
        q_waste += waste
        if price is not None:
            read = cache_read * price
            q_waste_cost = waste * price + (q_waste_cost or 0.0)
            q_read = read + (q_read or 0.0)
            q_long = (read if context > LONG_CONTEXT_TOKENS else 0.0) + (q_long or 0.0)
            if waste:
                waste_cost = waste * price + (waste_cost or 0.0)
    if calls == 0:
        return Walked(ChatFigures(0, 0, 0, 0, 0, 0, None, None), [], False, 0)
    done.append((q_start, q_calls, q_waste, q_waste_cost, q_read, q_long))
    if waste_tokens == 0:
        waste_cost = 0.0  # nothing wasted costs nothing, whatever the price
    long_chat = active > LONG_CHAT_MS
    return Walked(
        ChatFigures(calls, first, peak, last_context, total, waste_tokens, waste_cost, cost_sum),
        [QuarterWaste(b, n, w, wc, r, lc, None if r is None else (r if long_chat else 0.0))
         for b, n, w, wc, r, lc in done],
        wrote_1h, last_ms)
