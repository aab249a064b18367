"""What-if pricing: the same calls, token for token and type for type, at another model's rates.

An approximation, said wherever it is shown: another model would have written other answers, of other lengths,
perhaps in other calls; only the tokens as they were are re-priced. The rates are the other model's on each
call's UTC day, long-context tiers included (a tier applies by the call's own context, as the price source
bills it); the calls are summed per model, UTC day and tier band in SQL, so a year of calls reads few rows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Protocol

from tokenpulse.insights.call_scope import Scope
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import KINDS, Rate, Rates

_DAY_MS = 86_400_000
APPROXIMATION = ("An approximation: the same tokens priced at another model's rates. That model would have"
                 " written other answers, of other lengths, perhaps in other calls.")


class RatesSource(Protocol):
    def rates(self, model: str, day: str) -> Rates | None: ...


@dataclass(slots=True)
class Repriced:
    """The calls one model served in the scope, their actual cost, and their cost at the target's rates."""

    model: str
    calls: int = 0
    input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    actual_cost: float | None = None  # the stored costs; None when the model has no known price
    unpriced_calls: int = 0  # calls whose own model has no known price (their actual cost is unknown)
    whatif_cost: float | None = None  # None only when the target has no price on any day of these calls
    calls_without_target_price: int = 0  # calls on days the target had no known price (left out of whatif_cost)

    @property
    def difference(self) -> float | None:
        """What-if minus actual; None unless every call is priced both ways (else it would compare unlike sums)."""
        if self.actual_cost is None or self.whatif_cost is None or self.unpriced_calls \
                or self.calls_without_target_price:
            return None
        return self.whatif_cost - self.actual_cost

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "calls": self.calls, "input_tokens": self.input,
                "cache_write_tokens": self.cache_write_5m + self.cache_write_1h, "cache_read_tokens": self.cache_read,
                "output_tokens": self.output, "cost_usd": _r(self.actual_cost),
                "unpriced_calls": self.unpriced_calls, "whatif_cost_usd": _r(self.whatif_cost),
                "calls_without_target_price": self.calls_without_target_price, "difference_usd": _r(self.difference)}


@dataclass(slots=True)
class WhatIf:
    target: str
    rows: list[Repriced] = field(default_factory=list)  # per model that served calls, costliest first

    @property
    def total(self) -> Repriced:
        t = Repriced("total")
        for r in self.rows:
            t.calls += r.calls
            t.input += r.input
            t.cache_write_5m += r.cache_write_5m
            t.cache_write_1h += r.cache_write_1h
            t.cache_read += r.cache_read
            t.output += r.output
            t.actual_cost = _add(t.actual_cost, r.actual_cost)
            t.unpriced_calls += r.unpriced_calls
            t.whatif_cost = _add(t.whatif_cost, r.whatif_cost)
            t.calls_without_target_price += r.calls_without_target_price
        return t

    def as_dict(self) -> dict[str, object]:
        return {"target_model": self.target, "approximation": APPROXIMATION,
                "models": [r.as_dict() for r in self.rows], "total": self.total.as_dict()}


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else a + b


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def price_at_band(rate: Rate, floor: int | None) -> float:
    """USD per million tokens for a call whose context is above `floor` (the band's lower tier start) and not
    above the next start: the tier with the largest start below the context, else the base price."""
    price = rate[0]
    if floor is None:
        return price
    for start, tier_price in rate[1]:
        if start <= floor:
            price = tier_price
    return price


def reprice(conn: sqlite3.Connection, scope: Scope, target: str, rates: RatesSource) -> WhatIf:
    """The scope's calls per model, at their actual cost and at `target`'s rates."""
    where, args = scope.where()
    base = f"FROM api_call c JOIN chat_session s ON s.id = c.session_id WHERE {where}"
    days = [int(r[0]) for r in conn.execute(f"SELECT DISTINCT c.ts_ms / {_DAY_MS} {base}", args)]
    target_rates = {d: rates.rates(target, utc_day(d * _DAY_MS)) for d in days}
    starts = sorted({start for r in target_rates.values() if r for k in KINDS for start, _ in getattr(r, k)[1]})
    context = "(c.input + c.cache_write_5m + c.cache_write_1h + c.cache_read)"
    band = " + ".join(f"({context} > {int(s)})" for s in starts) or "0"
    rows = conn.execute(
        f"SELECT c.model, c.ts_ms / {_DAY_MS} AS u, {band} AS b, count(*), sum(c.input), sum(c.cache_write_5m),"
        f" sum(c.cache_write_1h), sum(c.cache_read), sum(c.output), sum(c.cost_usd), sum(c.cost_usd IS NULL)"
        f" {base} GROUP BY 1, 2, 3", args)
    by_model: dict[str, Repriced] = {}
    for model, u, b, calls, inp, cw5, cw1, cr, out, cost, unpriced in rows:
        r = by_model.setdefault(model, Repriced(model))
        r.calls += calls
        r.input += inp
        r.cache_write_5m += cw5
        r.cache_write_1h += cw1
        r.cache_read += cr
        r.output += out
        r.actual_cost = _add(r.actual_cost, None if cost is None else float(cost))
        r.unpriced_calls += int(unpriced)
        t = target_rates.get(int(u))
        if t is None:
            r.calls_without_target_price += calls
            continue
        floor = starts[int(b) - 1] if int(b) > 0 else None
        counts = {"input": inp, "cache_write_5m": cw5, "cache_write_1h": cw1, "cache_read": cr, "output": out}
        r.whatif_cost = _add(r.whatif_cost, sum(price_at_band(getattr(t, k), floor) * counts[k] / 1e6
                                                for k in KINDS))
    ordered = sorted(by_model.values(), key=lambda r: (-(r.actual_cost or 0.0), r.model))
    return WhatIf(target, ordered)


def target_known(conn: sqlite3.Connection, scope: Scope, target: str, rates: RatesSource, now_ms: int) -> bool:
    """Whether the price source knows `target` on the scope's last call's day (today's when it has no calls)."""
    where, args = scope.where()
    row = conn.execute(f"SELECT max(c.ts_ms) FROM api_call c JOIN chat_session s ON s.id = c.session_id"
                       f" WHERE {where}", args).fetchone()
    return rates.rates(target, utc_day(now_ms if row[0] is None else int(row[0]))) is not None
