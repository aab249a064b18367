"""A model's rates on a day: from the generated table when it lists the model, else from genai-prices' catalogue.

The table (table.py, made by table_gen.py from the same catalogue) answers for the models agents use without
importing the catalogue (≈ 0.2 s and 28 MiB); a model it does not list costs that import once.
"""

from __future__ import annotations

from tokenpulse.pricing.rates import Rates
from tokenpulse.pricing.supplements import supplemented


def lookup(model: str, day: str) -> Rates | None:
    """The model's rates in force on `day` (UTC, YYYY-MM-DD), or None when nothing prices it; long-context tiers
    the price data lacks are added from pricing.supplements."""
    return supplemented(model, _listed(model, day))


def _listed(model: str, day: str) -> Rates | None:
    from tokenpulse.pricing.table import RATES, ROWS

    periods = RATES.get(model)
    if periods is None:
        from tokenpulse.pricing.catalog import lookup as catalog_lookup

        return catalog_lookup(model, day)
    row: int | None = None
    for first_day, index in periods:  # sorted by first day; "" sorts before every day
        if first_day > day:
            break
        row = index
    return None if row is None else Rates(*ROWS[row])
