"""Long-chat waste per local day and "where the money went" over a range, read from waste_quarter (Qt-free).

waste_quarter holds every chat's waste and cache-read spend per UTC quarter-hour; a quarter-hour lies inside
one local day of every whole- or quarter-hour zone, so local days add up exactly from it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from tokenpulse.insights.chart_data import DayRange, add_known, utc_spans
from tokenpulse.insights.spend_facts import CROWD_CHATS, SpendFacts
from tokenpulse.store.sync.scope import THIS_DEVICE, DeviceScope

_DAY_MS = 86_400_000


@dataclass(slots=True)
class WasteDays:
    """Per local day of a range (zero-filled): waste tokens and their cost (None: no known price that day)."""

    tokens: list[int]
    cost: list[float | None]


def days_and_facts(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange,
                   scope: DeviceScope | None = None) -> tuple[WasteDays, SpendFacts]:
    """The waste per local day and the range's facts, in one read of the range's quarter-hours (of each device's
    ledger, over several devices: "3 or more chats at once" then counts each device's chats apart)."""
    days = rng.days()
    n = len(days)
    first = (rng.first - date(1970, 1, 1)).days
    out = WasteDays([0] * n, [None] * n)
    parts: list[float | None] = [None] * 5  # read, long context, long chat, crowded, waste cost
    tokens_in = 0
    spans = utc_spans(tz, *rng.window_ms(tz))
    for schema, (a, b, off) in ((schema, span) for schema in (scope or THIS_DEVICE).schemas for span in spans):
        for d, tokens, cost, *sums in conn.execute(
                f"SELECT (bucket_ms + {off}) / {_DAY_MS} AS d, sum(waste_tokens), sum(waste_cost_usd),"
                " sum(read_cost_usd), sum(long_context_read_cost_usd), sum(long_chat_read_cost_usd),"
                f" sum(CASE WHEN chats >= {CROWD_CHATS} THEN read_cost_usd END)"
                f" FROM {schema}.waste_quarter WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY d", (a, b)):
            i = d - first
            if not 0 <= i < n:
                continue
            out.tokens[i] += tokens or 0
            out.cost[i] = add_known(out.cost[i], cost)
            tokens_in += tokens or 0
            for k, v in enumerate((*sums, cost)):
                parts[k] = add_known(parts[k], v)
    read, long_context, long_chat, crowded, waste_cost = parts
    known = read is not None
    return out, SpendFacts(read, _part(long_context, known), _part(long_chat, known), _part(crowded, known),
                           waste_cost, tokens_in)


_FACTS = ("SELECT sum(read_cost_usd), sum(long_context_read_cost_usd), sum(long_chat_read_cost_usd),"
          f" sum(CASE WHEN chats >= {CROWD_CHATS} THEN read_cost_usd END), sum(waste_cost_usd),"
          " coalesce(sum(waste_tokens), 0) FROM {schema}.waste_quarter WHERE bucket_ms >= ? AND bucket_ms < ?")


def spend_facts(conn: sqlite3.Connection, lo_ms: int, hi_ms: int, scope: DeviceScope | None = None) -> SpendFacts:
    """Cache-read spend in [lo_ms, hi_ms) and the parts the three facts name (waste_quarter's primary key), over
    the devices of `scope` (this one by default)."""
    parts: list[float | None] = [None] * 5
    waste_tokens = 0
    for schema in (scope or THIS_DEVICE).schemas:
        *sums, tokens = conn.execute(_FACTS.format(schema=schema), (lo_ms, hi_ms)).fetchone()
        parts = [add_known(a, b) for a, b in zip(parts, sums)]
        waste_tokens += int(tokens)
    read, long_context, long_chat, crowded, waste_cost = parts
    known = read is not None  # a part with no row is nothing spent, once a price is known at all
    return SpendFacts(read, _part(long_context, known), _part(long_chat, known), _part(crowded, known), waste_cost,
                      int(waste_tokens))


def range_facts(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> SpendFacts:
    return spend_facts(conn, *rng.window_ms(tz))


def _part(value: float | None, known: bool) -> float | None:
    return value if value is not None or not known else 0.0

