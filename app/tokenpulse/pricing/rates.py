"""Per-token rates of one model and the cost of a call under them (pure; tiers by the call's total input)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from tokenpulse.usage import ApiCall

# A rate is a base price per million tokens plus tiers (start, price): above `start` input tokens the
# whole request moves to the tier price, as Anthropic, OpenAI and Google bill long contexts.
Rate = tuple[float, tuple[tuple[int, float], ...]]
KINDS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")


@dataclass(frozen=True, slots=True)
class Rates:
    input: Rate
    cache_write_5m: Rate
    cache_write_1h: Rate
    cache_read: Rate
    output: Rate
    # the five base prices when none is negative, for `cost`'s short way, and the context up to which every rate
    # is at its base price (below the lowest tier: the common case)
    _flat: tuple[float, ...] | None = field(init=False, repr=False, compare=False)
    _flat_up_to: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rates = (self.input, self.cache_write_5m, self.cache_write_1h, self.cache_read, self.output)
        # a negative price (or -0.0) could make a partial sum -0.0, which adding a zero count's 0.0 changes
        flat = None if any(math.copysign(1.0, r[0]) < 0 for r in rates) else tuple(r[0] for r in rates)
        object.__setattr__(self, "_flat", flat)
        object.__setattr__(self, "_flat_up_to", min((start for r in rates for start, _ in r[1]), default=math.inf))

    def cost(self, call: ApiCall) -> float:
        flat = self._flat
        if flat is not None and (self._flat_up_to == math.inf or call.context <= self._flat_up_to):
            # The same sum as below, term by term and in the same order: a zero count adds 0.0, which changes
            # no float, so it is skipped; a count's term is its price times the count divided by a million.
            total = 0.0
            if call.input:
                total += flat[0] * call.input / 1e6
            if call.cache_write_5m:
                total += flat[1] * call.cache_write_5m / 1e6
            if call.cache_write_1h:
                total += flat[2] * call.cache_write_1h / 1e6
            if call.cache_read:
                total += flat[3] * call.cache_read / 1e6
            if call.output:
                total += flat[4] * call.output / 1e6
            return total
        context = call.context
        return (_apply(self.input, call.input, context) + _apply(self.cache_write_5m, call.cache_write_5m, context)
                + _apply(self.cache_write_1h, call.cache_write_1h, context)
                + _apply(self.cache_read, call.cache_read, context) + _apply(self.output, call.output, context))

    def cache_read_per_token(self) -> float:
        """The base cache-read price, USD per token (a context below every long-context tier)."""
        return self.cache_read[0] / 1e6

    def cache_read_at(self, context: int) -> float:
        """USD per cache-read token as a call of this context is billed (the long-context tier included)."""
        return _price(self.cache_read, context) / 1e6

    def to_json(self) -> str:
        return json.dumps({k: [getattr(self, k)[0], [list(t) for t in getattr(self, k)[1]]] for k in KINDS})

    @classmethod
    def from_json(cls, text: str) -> Rates:
        data = json.loads(text)
        return cls(**{k: (float(data[k][0]), tuple((int(s), float(p)) for s, p in data[k][1])) for k in KINDS})

    @classmethod
    def flat(cls, input: float, output: float, cache_read: float | None = None,
             cache_write_5m: float | None = None, cache_write_1h: float | None = None) -> Rates:
        """Rates without tiers, in USD per million tokens; missing cache prices fall back to input's."""
        cw5 = input if cache_write_5m is None else cache_write_5m
        return cls(input=(input, ()), output=(output, ()),
                   cache_read=(input if cache_read is None else cache_read, ()),
                   cache_write_5m=(cw5, ()), cache_write_1h=(cw5 if cache_write_1h is None else cache_write_1h, ()))


def _price(rate: Rate, context: int) -> float:
    """USD per million tokens for a request of this context: the highest tier it passes, else the base."""
    for start, tier_price in reversed(rate[1]):
        if context > start:
            return tier_price
    return rate[0]


def _apply(rate: Rate, count: int, context: int) -> float:
    if not count:
        return 0.0
    return _price(rate, context) * count / 1e6
