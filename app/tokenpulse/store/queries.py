"""The read side of the store: totals by period, session, project and model, in a chosen time zone."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from tokenpulse.store.localtime import local_day_sql

_SUMS = """count(*), sum(c.input), sum(c.cache_write_5m + c.cache_write_1h), sum(c.cache_read), sum(c.output),
           sum(c.reasoning), sum(c.cost_usd), sum(c.cost_usd IS NULL)"""

PERIODS = {"day": "{d}", "week": "date({d}, '-6 days', 'weekday {w}')", "month": "strftime('%Y-%m', {d})"}
MONDAY = 0  # weeks start on Monday unless asked otherwise (Python's weekday numbers: Monday 0 … Sunday 6)


@dataclass(frozen=True, slots=True)
class Filter:
    """Which calls a query covers: a UTC time window [since_ms, until_ms) and optional sources."""

    since_ms: int | None = None
    until_ms: int | None = None
    sources: Sequence[str] | None = None

    def where(self, alias: str = "c") -> tuple[str, list[object]]:
        parts: list[str] = ["1"]
        args: list[object] = []
        if self.since_ms is not None:
            parts.append(f"{alias}.ts_ms >= ?")
            args.append(self.since_ms)
        if self.until_ms is not None:
            parts.append(f"{alias}.ts_ms < ?")
            args.append(self.until_ms)
        if self.sources:
            parts.append(f"{alias}.source IN ({','.join('?' * len(self.sources))})")
            args.extend(self.sources)
        return " AND ".join(parts), args


@dataclass(frozen=True, slots=True)
class Totals:
    calls: int = 0
    input_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float | None = None  # None when no call in the group has a known price
    unpriced_calls: int = 0

    @classmethod
    def from_row(cls, row: Sequence[object]) -> Totals:
        calls, inp, cw, cr, out, rsn, cost, unpriced = (cast(Any, v) for v in row)  # SQLite numbers or NULL
        return cls(int(calls or 0), int(inp or 0), int(cw or 0), int(cr or 0), int(out or 0), int(rsn or 0),
                   None if cost is None else float(cost), int(unpriced or 0))

    @property
    def context_tokens(self) -> int:
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens

    def as_dict(self) -> dict[str, object]:
        return {"calls": self.calls, "input_tokens": self.input_tokens,
                "cache_write_tokens": self.cache_write_tokens, "cache_read_tokens": self.cache_read_tokens,
                "output_tokens": self.output_tokens, "reasoning_tokens": self.reasoning_tokens,
                "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6)}


def data_span(conn: sqlite3.Connection, flt: Filter = Filter()) -> tuple[int, int] | None:
    where, args = flt.where()
    row = conn.execute(f"SELECT min(c.ts_ms), max(c.ts_ms) FROM api_call c WHERE {where}", args).fetchone()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def totals(conn: sqlite3.Connection, flt: Filter = Filter()) -> Totals:
    where, args = flt.where()
    return Totals.from_row(conn.execute(f"SELECT {_SUMS} FROM api_call c WHERE {where}", args).fetchone())


def period_sql(period: str, tz: ZoneInfo, span: tuple[int, int], week_start: int = MONDAY) -> str:
    """The SQL label of a call's period (`c.ts_ms`): its local day, the first day of its week, or its month.

    `span`: the calls' (min, max) ts_ms, which bounds the time zone's offsets; `week_start`: 0 Monday … 6 Sunday.
    """
    if not 0 <= week_start <= 6:
        raise ValueError(f"week_start {week_start} is not a weekday number (0 Monday … 6 Sunday)")
    return PERIODS[period].format(d=local_day_sql("c.ts_ms", tz, *span), w=(week_start + 1) % 7)  # SQLite: 0 Sunday


def by_period(conn: sqlite3.Connection, period: str, tz: ZoneInfo, flt: Filter = Filter(),
              split_model: bool = True, week_start: int = MONDAY) -> list[tuple[str, str, str, Totals]]:
    """[(period label, source, model or '', totals)] sorted; periods are local days, weeks (labelled by their
    first day, which is `week_start`: Monday unless asked otherwise) or months."""
    span = data_span(conn, flt)
    if span is None:
        return []
    label = period_sql(period, tz, span, week_start)
    model = "c.model" if split_model else "''"
    where, args = flt.where()
    rows = conn.execute(
        f"SELECT {label} AS p, c.source, {model} AS m, {_SUMS} FROM api_call c WHERE {where}"
        f" GROUP BY p, c.source, m ORDER BY p, c.source, m", args)
    return [(r[0], r[1], r[2], Totals.from_row(r[3:])) for r in rows]


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    source: str
    session_key: str
    parent_key: str | None
    project: str | None
    first_ms: int
    last_ms: int
    models: str
    totals: Totals


def sessions(conn: sqlite3.Connection, flt: Filter = Filter(), limit: int | None = None) -> list[SessionRow]:
    """Chats with calls in the window, most recent first; sub-agent chats are listed on their own."""
    where, args = flt.where()
    lim = f" LIMIT {int(limit)}" if limit else ""
    rows = conn.execute(
        f"SELECT s.id, s.source, s.session_key, s.parent_key, s.project, min(c.ts_ms), max(c.ts_ms),"
        f" s.models, {_SUMS} FROM api_call c JOIN chat_session s ON s.id = c.session_id WHERE {where}"
        f" GROUP BY s.id ORDER BY max(c.ts_ms) DESC{lim}", args)
    return [SessionRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], Totals.from_row(r[8:])) for r in rows]


def projects(conn: sqlite3.Connection, flt: Filter = Filter()) -> list[tuple[str, Totals]]:
    """Totals per project folder (unknown folders grouped as ''), largest output first."""
    where, args = flt.where()
    rows = conn.execute(
        f"SELECT coalesce(s.project, ''), {_SUMS} FROM api_call c JOIN chat_session s ON s.id = c.session_id"
        f" WHERE {where} GROUP BY 1 ORDER BY sum(c.output) DESC", args)
    return [(r[0], Totals.from_row(r[1:])) for r in rows]


def unpriced_models(conn: sqlite3.Connection, flt: Filter = Filter()) -> list[str]:
    where, args = flt.where()
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT c.model FROM api_call c WHERE {where} AND c.cost_usd IS NULL ORDER BY 1", args)]


def session_calls(conn: sqlite3.Connection, session_id: int) -> list[tuple[int, str, int, int, int, int, float | None]]:
    """A chat's calls in order: (ts_ms, model, input, cache_write, cache_read, output, cost)."""
    return list(conn.execute(
        "SELECT ts_ms, model, input, cache_write_5m + cache_write_1h, cache_read, output, cost_usd FROM api_call"
        " WHERE session_id = ? ORDER BY ts_ms, id", (session_id,)))


def cached_rates(conn: sqlite3.Connection) -> list[str]:
    """Every distinct set of per-token rates the store has cached for some model and day (JSON, `Rates.to_json`)."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT rates FROM model_price WHERE rates IS NOT NULL")]
