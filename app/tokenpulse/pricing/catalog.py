"""Looking up a model's rates in genai-prices' bundled, offline price data (imported only when needed)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tokenpulse.pricing.rates import Rate, Rates


def lookup(model: str, day: str) -> Rates | None:
    """The model's rates in force on `day` (UTC, YYYY-MM-DD), or None when genai-prices does not know it."""
    from genai_prices import data_snapshot

    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, None, None)
    except LookupError:
        return None
    when = datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)
    price = info.get_prices(when)
    inp = _rate(getattr(price, "input_mtok", None))
    out = _rate(getattr(price, "output_mtok", None))
    if inp is None or out is None:
        return None
    read = _rate(getattr(price, "cache_read_mtok", None)) or inp
    write = _rate(getattr(price, "cache_write_mtok", None)) or inp  # OpenAI lists no write price: bill as input
    write_1h = _rate(getattr(price, "cache_write_1h_mtok", None)) or write
    return Rates(input=inp, cache_write_5m=write, cache_write_1h=write_1h, cache_read=read, output=out)


def _rate(value: Any) -> Rate | None:
    if value is None:
        return None
    tiers = getattr(value, "tiers", None)
    if tiers is None:
        return (float(value), ())
    return (float(value.base), tuple((int(t.start), float(t.price)) for t in tiers))


def known_models() -> list[str]:
    """Every model id the offline price data names (for suggesting a name when one is not found)."""
    from genai_prices import data_snapshot

    return sorted({m.id for p in data_snapshot.get_snapshot().providers for m in p.models})
