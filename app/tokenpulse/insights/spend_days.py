"""Spend per project folder and local day, read from the store (read-only): the token side of "work beside tokens".

Per folder and day: calls, output tokens, cost and long-chat waste. Waste is each call's context beyond its
chat's fresh floor and recap allowance (the figures `chat_stats` keeps per chat), priced at the call's model's
cache-read rate on the call's UTC day, as the per-chat waste is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates
from tokenpulse.store.localtime import local_day_sql
from tokenpulse.store.queries import Filter, data_span

_DAY_MS = 86_400_000


class RatesSource(Protocol):
    def rates(self, model: str, day: str) -> Rates | None: ...


@dataclass(frozen=True, slots=True)
class DaySpend:
    """What the agents spent in one folder (or a group of them) on one day."""

    calls: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None when no call has a known price
    unpriced_calls: int = 0
    waste_tokens: int = 0
    waste_cost_usd: float | None = None  # None when no wasteful call has a known price

    def plus(self, other: DaySpend) -> DaySpend:
        return DaySpend(self.calls + other.calls, self.output_tokens + other.output_tokens,
                        _add(self.cost_usd, other.cost_usd), self.unpriced_calls + other.unpriced_calls,
                        self.waste_tokens + other.waste_tokens, _add(self.waste_cost_usd, other.waste_cost_usd))

    def as_dict(self) -> dict[str, object]:
        return {"calls": self.calls, "output_tokens": self.output_tokens, "cost_usd": _round(self.cost_usd),
                "unpriced_calls": self.unpriced_calls, "waste_tokens": self.waste_tokens,
                "waste_cost_usd": _round(self.waste_cost_usd)}


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else a + b


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


_WASTE = ("max(0, c.input + c.cache_write_5m + c.cache_write_1h + c.cache_read - t.first_context"
          " - t.recap_allowance)")


def spend_by_folder_day(conn: sqlite3.Connection, tz: ZoneInfo, flt: Filter,
                        rates: RatesSource) -> dict[tuple[str, str], DaySpend]:
    """{(project folder or '', local day): spend} for the calls in the filter's window and sources."""
    span = data_span(conn, flt)
    if span is None:
        return {}
    day = local_day_sql("c.ts_ms", tz, *span)
    where, args = flt.where()
    rows = conn.execute(
        f"SELECT coalesce(s.project, ''), {day} AS d, c.model, c.ts_ms / {_DAY_MS} AS u, count(*), sum(c.output),"
        f" sum(c.cost_usd), sum(c.cost_usd IS NULL), coalesce(sum({_WASTE}), 0)"
        " FROM api_call c JOIN chat_session s ON s.id = c.session_id"
        " LEFT JOIN chat_stats t ON t.session_id = c.session_id"
        f" WHERE {where} GROUP BY 1, 2, 3, 4", args)
    out: dict[tuple[str, str], DaySpend] = {}
    for folder, d, model, u, calls, output, cost, unpriced, waste in rows:
        waste_cost: float | None = 0.0 if not waste else None
        if waste:
            r = rates.rates(model, utc_day(int(u) * _DAY_MS))
            waste_cost = None if r is None else int(waste) * r.cache_read_per_token()
        part = DaySpend(int(calls), int(output or 0), None if cost is None else float(cost), int(unpriced or 0),
                        int(waste), waste_cost)
        key = (str(folder), str(d))
        out[key] = out[key].plus(part) if key in out else part
    return out


def first_call_per_folder(conn: sqlite3.Connection) -> dict[str, int]:
    """{project folder: its earliest call (UTC ms)} over the whole store: where the work reader's horizon lies."""
    return {str(p): int(ms) for p, ms in conn.execute(
        "SELECT s.project, min(s.first_ms) FROM chat_session s WHERE s.project IS NOT NULL AND s.project <> ''"
        " GROUP BY s.project")}


def folders(conn: sqlite3.Connection) -> list[str]:
    """Every project folder seen in the logs (the folders whose repositories the work reader reads)."""
    return list(first_call_per_folder(conn))


def chat_spans(conn: sqlite3.Connection, session_ids: list[int]) -> Mapping[int, tuple[str | None, int, int]]:
    """{chat id: (project folder, first call ms, last call ms)} for the given chats (whole chats, any window)."""
    out: dict[int, tuple[str | None, int, int]] = {}
    for start in range(0, len(session_ids), 500):
        chunk = session_ids[start:start + 500]
        for sid, project, first, last in conn.execute(
                f"SELECT id, project, first_ms, last_ms FROM chat_session WHERE id IN ({','.join('?' * len(chunk))})",
                chunk):
            out[int(sid)] = (project, int(first), int(last))
    return out
