"""Long-chat waste of the calls in a window, summed per group (period, chat, …), and the figures a report row
shows: token totals, cost, and the waste of the same calls.

Each call's waste is `insights.waste.waste_of`: its context beyond its chat's fresh floor F and recap allowance R
(F and R as `chat_stats` keeps them per chat), priced at the cache-read rate the call was billed at: its
model's rate on its UTC day, a long-context tier included. Over a whole chat the sums equal the chat's
`chat_stats` figures; over a window they count only the window's calls, like the token columns beside them.
The waste share is `insights.waste.share`: waste cost / cost of the same calls.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tokenpulse.insights.waste import share
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates
from tokenpulse.store.queries import Filter, Totals, cached_rates

_DAY_MS = 86_400_000
_SUMS = """count(*), sum(c.input), sum(c.cache_write_5m + c.cache_write_1h), sum(c.cache_read), sum(c.output),
           sum(c.reasoning), sum(c.cost_usd), sum(c.cost_usd IS NULL)"""  # as store.queries sums, for Totals
_CONTEXT = "(c.input + c.cache_write_5m + c.cache_write_1h + c.cache_read)"
_OVER = "(c.first_context + c.recap_allowance)"  # F + R: what a fresh chat would re-read anyway


class RatesSource(Protocol):
    def rates(self, model: str, day: str) -> Rates | None: ...


@dataclass(frozen=True, slots=True)
class Waste:
    """Waste tokens of some calls and their cost; the cost is None only when no wasteful call has a price."""

    tokens: int = 0
    cost_usd: float | None = 0.0
    unpriced_calls: int = 0  # wasteful calls whose model has no known price: the cost leaves them out

    def plus(self, other: Waste) -> Waste:
        tokens = self.tokens + other.tokens
        known = [w.cost_usd for w in (self, other) if w.tokens and w.cost_usd is not None]
        # like insights.waste.chat_figures: unknown prices are left out; "no known price at all" stays None
        cost = sum(known) if known else (0.0 if tokens == 0 else None)
        return Waste(tokens, cost, self.unpriced_calls + other.unpriced_calls)


def add_totals(a: Totals, b: Totals) -> Totals:
    """Two groups of calls as one (a cost stays None only when neither part has a known price)."""
    cost = b.cost_usd if a.cost_usd is None else a.cost_usd if b.cost_usd is None else a.cost_usd + b.cost_usd
    return Totals(a.calls + b.calls, a.input_tokens + b.input_tokens, a.cache_write_tokens + b.cache_write_tokens,
                  a.cache_read_tokens + b.cache_read_tokens, a.output_tokens + b.output_tokens,
                  a.reasoning_tokens + b.reasoning_tokens, cost, a.unpriced_calls + b.unpriced_calls)


@dataclass(frozen=True, slots=True)
class Figures:
    """What one report row shows: the calls' totals and their long-chat waste."""

    totals: Totals = field(default_factory=Totals)
    waste: Waste = field(default_factory=Waste)

    @property
    def waste_share(self) -> float | None:
        """Waste cost / cost (insights.waste.share); None when either is unknown or the cost is 0."""
        return share(self.waste.cost_usd, self.totals.cost_usd)

    def plus(self, other: Figures) -> Figures:
        return Figures(add_totals(self.totals, other.totals), self.waste.plus(other.waste))

    def as_dict(self) -> dict[str, object]:
        """The JSON fields: the token totals and cost as `Totals.as_dict`, then the three waste fields."""
        waste_share = self.waste_share
        return {**self.totals.as_dict(), "waste_tokens": self.waste.tokens,
                "waste_cost_usd": None if self.waste.cost_usd is None else round(self.waste.cost_usd, 6),
                "waste_share": None if waste_share is None else round(waste_share, 4)}


def total(items: Iterable[Figures]) -> Figures:
    out = Figures()
    for f in items:
        out = out.plus(f)
    return out


@dataclass(frozen=True, slots=True)
class Group:
    """One group's figures and the time of its first and last call (UTC ms)."""

    figures: Figures
    first_ms: int
    last_ms: int

    def plus(self, other: Group) -> Group:
        return Group(self.figures.plus(other.figures), min(self.first_ms, other.first_ms),
                     max(self.last_ms, other.last_ms))


_WASTE = f"max({_CONTEXT} - {_OVER}, 0)"  # NULL for a chat without figures yet: left out of sums


def figures_by(conn: sqlite3.Connection, flt: Filter, keys: Sequence[str], rates: RatesSource,
               with_session: bool = False) -> dict[tuple[object, ...], Group]:
    """{group key: its calls' totals, waste and first and last call} for the calls in the filter; `keys` are SQL
    expressions over `c`: the filter's calls (`Filter.calls`: `c.device` and the call columns, and, when
    `with_session`, the chat's key, parent, project and models).

    One pass reads the calls with their chats' F and R, grouped by key, model, UTC day (a price holds per model
    and day) and long-context band: the bands between the tier starts of the rates the store has cached, so
    that inside a group every call is billed at one cache-read rate. A model whose rates start a tier outside
    those bands (rates not cached: a price override, a store scanned by an older release) has its waste summed
    again per tier of its own, in a second pass over that model only.

    `rates` should not write (a report is a reader): the CLI passes the store's rate cache read-only.
    """
    where, args = flt.where()
    calls = flt.calls(sessions=with_session, stats=True)
    cols = ", ".join(keys)
    n = len(keys)
    bands = _tier_starts(conn)
    band = " + ".join(f"({_CONTEXT} > {s})" for s in bands) or "0"
    rows = conn.execute(
        f"SELECT {cols}, c.model, c.ts_ms / {_DAY_MS} AS u, {band} AS b, {_SUMS}, min(c.ts_ms), max(c.ts_ms),"
        f" sum({_WASTE}), sum({_CONTEXT} > {_OVER})"
        f" FROM {calls} c WHERE {where} GROUP BY {cols}, c.model, u, b", args).fetchall()
    known = set(bands)
    parts: list[tuple[tuple[object, ...], str, Group]] = []
    other_tiers: dict[str, set[int]] = {}  # model → its tier starts, for a model with starts outside the bands
    for row in rows:
        key, model, day_no, b = tuple(row[:n]), str(row[n]), int(row[n + 1]), int(row[n + 2])
        totals = Totals.from_row(row[n + 3:n + 11])
        first, last, tokens, wasteful = int(row[n + 11]), int(row[n + 12]), int(row[n + 13] or 0), int(row[n + 14] or 0)
        waste = Waste()
        if tokens:
            r = rates.rates(model, utc_day(day_no * _DAY_MS))
            if r is None:
                waste = Waste(tokens, None, wasteful)
            else:
                starts = {int(s) for s, _ in r.cache_read[1]}
                if not starts <= known:
                    other_tiers.setdefault(model, set()).update(starts)
                # any context inside the band has the band's rate: the one just past its lower bound
                waste = Waste(tokens, tokens * r.cache_read_at(bands[b - 1] + 1 if b else 0))
        parts.append((key, model, Group(Figures(totals, waste), first, last)))
    if other_tiers:  # those models' waste is summed again, per tier of their own
        parts = [(k, m, Group(Figures(g.figures.totals), g.first_ms, g.last_ms) if m in other_tiers else g)
                 for k, m, g in parts]
        parts.extend((key, "", Group(Figures(Totals(), part), 2**62, 0))
                     for key, part in _per_tier(conn, flt, keys, calls, n, other_tiers, rates))
    out: dict[tuple[object, ...], Group] = {}
    for key, _, group in parts:
        out[key] = out[key].plus(group) if key in out else group
    return out


def _tier_starts(conn: sqlite3.Connection) -> list[int]:
    """The contexts where a cache-read tier starts in any rates the store has cached (every model and day a
    scan priced): a read of the cache only, no lookup (a report writes nothing, not even the rate cache)."""
    starts: set[int] = set()
    for text in cached_rates(conn):
        try:
            starts.update(int(s) for s, _ in Rates.from_json(text).cache_read[1])
        except (ValueError, KeyError, TypeError):  # a damaged cache entry: only a hint is lost
            continue
    return sorted(starts)


def waste_by(conn: sqlite3.Connection, flt: Filter, keys: Sequence[str], rates: RatesSource,
             with_session: bool = False) -> dict[tuple[object, ...], Waste]:
    """{group key: waste} of the calls in the filter (`figures_by`), groups without waste left out."""
    return {k: g.figures.waste for k, g in figures_by(conn, flt, keys, rates, with_session).items()
            if g.figures.waste.tokens}


def _per_tier(conn: sqlite3.Connection, flt: Filter, keys: Sequence[str], calls: str, n: int,
              tiers: dict[str, set[int]], rates: RatesSource) -> Iterable[tuple[tuple[object, ...], Waste]]:
    """The given models' wasteful calls grouped by key, model, UTC day and band between their tier starts."""
    where, args = flt.where()
    starts = sorted(set().union(*tiers.values()))
    band = " + ".join(f"({_CONTEXT} > {int(s)})" for s in starts)
    models = sorted(tiers)
    cols = ", ".join(keys)
    for row in conn.execute(
            f"SELECT {cols}, c.model, c.ts_ms / {_DAY_MS} AS u, {band} AS b, max({_CONTEXT}),"
            f" sum({_CONTEXT} - {_OVER}), count(*)"
            f" FROM {calls} c WHERE {where} AND {_CONTEXT} > {_OVER} AND c.model IN ({','.join('?' * len(models))})"
            f" GROUP BY {cols}, c.model, u, b", [*args, *models]):
        r = rates.rates(str(row[n]), utc_day(int(row[n + 1]) * _DAY_MS))
        tokens = int(row[n + 4])
        if r is None:  # rates that exist on some days only
            yield tuple(row[:n]), Waste(tokens, None, int(row[n + 5]))
        else:
            yield tuple(row[:n]), Waste(tokens, tokens * r.cache_read_at(int(row[n + 3])))
