"""Cost per call: user overrides first, then cached rates per (model, UTC day) from the generated table or,
for a model it does not list, genai-prices' catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Protocol

from tokenpulse.pricing.rates import Rates
from tokenpulse.usage import ApiCall


class RateCache(Protocol):
    def cached_rates(self, model: str, day: str) -> tuple[bool, str | None]: ...

    def save_rates(self, model: str, day: str, rates: str | None) -> None: ...


_DAY_MS = 86_400_000


def utc_day(ts_ms: int) -> str:
    """The UTC day of a time (a price holds per model and day); remembered per day, as every call asks."""
    day = ts_ms // _DAY_MS
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = datetime.fromtimestamp(day * 86_400, tz=timezone.utc).strftime("%Y-%m-%d")
    return text


_DAYS: dict[int, str] = {}  # day number → "YYYY-MM-DD": a few hundred entries after years of use
_UNSEEN = object()  # a (model, day) not looked up yet (None is an answer: no price)


class Pricer:
    """Prices calls offline. A model with no known price costs None (shown as unknown), never 0."""

    def __init__(self, cache: RateCache | None = None, overrides: Mapping[str, Rates] | None = None,
                 lookup: Callable[[str, str], Rates | None] | None = None) -> None:
        self._cache = cache
        self._overrides = dict(overrides or {})
        self._memo: dict[tuple[str, str], Rates | None] = {}
        self._lookup = lookup
        self._days: dict[int, str] = {}
        self._by_day_no: dict[tuple[str, int], Rates | None] = {}

    def rates(self, model: str, day: str) -> Rates | None:
        if model in self._overrides:
            return self._overrides[model]
        key = (model, day)
        if key in self._memo:
            return self._memo[key]
        rates = self._load(model, day)
        self._memo[key] = rates
        return rates

    def cost(self, call: ApiCall) -> float | None:
        key = (call.model, call.ts_ms // _DAY_MS)
        try:
            rates = self._by_day_no[key]  # one lookup per call: a first import prices tens of thousands
        except KeyError:
            rates = self._rates_of_day(key, call.ts_ms)
        return None if rates is None else rates.cost(call)

    def price(self, calls: Iterable[ApiCall]) -> None:
        """Set each call's `cost_usd` to its `cost` (in one loop: a first import prices tens of thousands)."""
        by_day = self._by_day_no
        for call in calls:
            key = (call.model, call.ts_ms // _DAY_MS)
            rates = by_day.get(key, _UNSEEN)
            if rates is _UNSEEN:
                rates = self._rates_of_day(key, call.ts_ms)
            call.cost_usd = None if rates is None else rates.cost(call)  # type: ignore[attr-defined]

    def _rates_of_day(self, key: tuple[str, int], ts_ms: int) -> Rates | None:
        day_no = key[1]
        day = self._days.get(day_no)
        if day is None:
            day = self._days[day_no] = utc_day(ts_ms)
        rates = self._by_day_no[key] = self.rates(key[0], day)
        return rates

    def _load(self, model: str, day: str) -> Rates | None:
        if self._cache is not None:
            found, text = self._cache.cached_rates(model, day)
            if found:
                return Rates.from_json(text) if text else None
        lookup = self._lookup
        if lookup is None:
            from tokenpulse.pricing.resolve import lookup as table_lookup  # the catalogue only for unlisted models

            lookup = table_lookup
        rates = lookup(model, day) if model != "unknown" else None
        if self._cache is not None:
            self._cache.save_rates(model, day, rates.to_json() if rates else None)
        return rates
