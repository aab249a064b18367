"""What Overview and Token mix draw (Qt-free): per local day with its long-chat waste, bucketed by week (Monday
to Sunday) past WEEKS_AFTER_DAYS and by calendar month past MONTHS_AFTER_DAYS, so a long range is tens of bars,
not hundreds; a period still running (today's) or cut by the range's ends is marked partial.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tokenpulse.insights.chart_data import Daily, DayRange, Sums, add_known, daily
from tokenpulse.insights.chart_waste import days_and_facts
from tokenpulse.store.sync.scope import DeviceScope

WEEKS_AFTER_DAYS = 120  # longer ranges are drawn per week
MONTHS_AFTER_DAYS = 2 * 366  # longer than about two years: per month
UNIT_WORDS = {"day": "per day", "week": "per week (Monday–Sunday)", "month": "per month"}


def unit_for(rng: DayRange) -> str:
    span = (rng.last - rng.first).days + 1
    if span > MONTHS_AFTER_DAYS:
        return "month"
    return "week" if span > WEEKS_AFTER_DAYS else "day"


def overview(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, today: date | None = None,
             scope: DeviceScope | None = None) -> Daily:
    """Days with their waste and the range's facts, bucketed as `unit_for(rng)` says; `today` is partial; over
    the devices of `scope` (this one by default)."""
    d = daily(conn, tz, rng, scope)
    waste, d.facts = days_and_facts(conn, tz, rng, scope)
    d.waste_tokens, d.waste_cost = waste.tokens, waste.cost
    d.partial = [day == (today.isoformat() if today else None) for day in d.days]
    return bucket(d, unit_for(rng), rng, today)


def period_start(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def period_length(start: date, unit: str) -> int:
    if unit == "week":
        return 7
    if unit == "month":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return (following - start).days
    return 1


def bucket(d: Daily, unit: str, rng: DayRange, today: date | None = None) -> Daily:
    """`d` (per day) summed per `unit`; the same object when the unit is a day."""
    if unit == "day":
        return d
    starts: list[date] = []
    where: list[int] = []  # the period of each day
    for day in d.days:
        start = period_start(date.fromisoformat(day), unit)
        if not starts or starts[-1] != start:
            starts.append(start)
        where.append(len(starts) - 1)
    n = len(starts)
    out = Daily([s.isoformat() for s in starts], [Sums() for _ in starts], list(d.agents), list(d.models),
                facts=d.facts, unit=unit, catalogue=d.catalogue)
    out.lengths = [period_length(s, unit) for s in starts]
    out.waste_tokens, out.waste_cost = [0] * n, [None] * n
    for i, p in enumerate(where):
        out.totals[p].add(d.totals[i])
        out.waste_tokens[p] += d.waste_tokens[i] if d.waste_tokens else 0
        out.waste_cost[p] = add_known(out.waste_cost[p], d.waste_cost[i] if d.waste_cost else None)
    for split in d.output_by:  # agent, model, and device over several devices
        out.output_by[split], out.cost_by[split] = {}, {}
        for key, values in d.output_by.get(split, {}).items():
            summed = [0] * n
            costs: list[float | None] = [None] * n
            for i, p in enumerate(where):
                summed[p] += values[i]
                costs[p] = add_known(costs[p], d.cost_by[split][key][i])
            out.output_by[split][key], out.cost_by[split][key] = summed, costs
    out.partial = [s < rng.first or s + timedelta(days=length - 1) > rng.last
                   or (today is not None and s <= today < s + timedelta(days=length - 1))
                   for s, length in zip(starts, out.lengths)]
    return out
