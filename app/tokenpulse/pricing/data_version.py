"""Which price data this release prices with, as a short string the store records (insights.repricing).

Kept apart from the generated table so that checking it costs nothing on a routine scan; a test keeps
GENAI_PRICES equal to the table's.
"""

from __future__ import annotations

from tokenpulse.pricing.supplements import VERSION as SUPPLEMENTS

GENAI_PRICES = "0.2.5"  # = pricing.table.GENAI_PRICES_VERSION (tests/pricing/test_supplements.py)


def data_version() -> str:
    return f"genai-prices {GENAI_PRICES}; supplements {SUPPLEMENTS}"
