"""Long-context tiers that a provider documents but the price data (genai-prices) lacks, until it has them.

Anthropic bills a Claude Sonnet 4 request whose input passes 200,000 tokens (the 1M-token context window) at
long-context rates for the whole request: input $6, output $22.50, 5-minute cache writes $7.50, 1-hour
cache writes $12, cache reads $0.60 per million tokens (https://docs.anthropic.com/en/docs/about-claude/pricing,
"Long context pricing"; the same tier genai-prices already lists for Claude Sonnet 4.5). genai-prices 0.2.3 to
0.2.5 have no tier for Sonnet 4, so such calls were charged the base rate (−14 % on a 320k call). Reported
upstream (pydantic/genai-prices); a tier the data already has is never replaced.
"""

from __future__ import annotations

from tokenpulse.pricing.rates import KINDS, Rate, Rates

# Bump when an entry changes: stores re-price the calls whose rates changed (insights.repricing).
VERSION = 1

_SONNET_4_LONG = {"input": 6.0, "cache_write_5m": 7.5, "cache_write_1h": 12.0, "cache_read": 0.6, "output": 22.5}
_THRESHOLD = 200_000

TIERS: dict[str, dict[str, float]] = {
    "claude-sonnet-4-0": _SONNET_4_LONG,
    "claude-sonnet-4-20250514": _SONNET_4_LONG,
    "claude-sonnet-4-2025": _SONNET_4_LONG,
    "claude-sonnet-4": _SONNET_4_LONG,
}


def supplemented(model: str, rates: Rates | None) -> Rates | None:
    """`rates` with the documented long-context tier added to each kind that has none."""
    extra = TIERS.get(model)
    if rates is None or extra is None:
        return rates
    return Rates(*(_with_tier(getattr(rates, kind), extra[kind]) for kind in KINDS))


def _with_tier(rate: Rate, price: float) -> Rate:
    base, tiers = rate
    return rate if tiers else (base, ((_THRESHOLD, price),))
