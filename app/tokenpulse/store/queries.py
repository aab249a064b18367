"""The read side of the store: totals by period, session, project and model, in a chosen time zone.

Every query reads the devices its Filter names (store.sync.scope): this device's store by default, or this
device's store and other devices' copies attached to the connection. Rows carry the device's label when more
than one device is read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from tokenpulse.store.localtime import local_day_sql
from tokenpulse.store.sync.scope import THIS_DEVICE, DeviceScope

_SUMS = """count(*), sum(c.input), sum(c.cache_write_5m + c.cache_write_1h), sum(c.cache_read), sum(c.output),
           sum(c.reasoning), sum(c.cost_usd), sum(c.cost_usd IS NULL)"""

PERIODS = {"day": "{d}", "week": "date({d}, '-6 days', 'weekday {w}')", "month": "strftime('%Y-%m', {d})"}
MONDAY = 0  # weeks start on Monday unless asked otherwise (Python's weekday numbers: Monday 0 … Sunday 6)


@dataclass(frozen=True, slots=True)
class Filter:
    """Which calls a query covers: a UTC time window [since_ms, until_ms), optional sources, and the devices
    (None: this device's store; a scope attached to the connection: those devices' ledgers)."""

    since_ms: int | None = None
    until_ms: int | None = None
    sources: Sequence[str] | None = None
    devices: DeviceScope | None = None

    @property
    def scope(self) -> DeviceScope:
        return self.devices or THIS_DEVICE

    def calls(self, *, sessions: bool = False, stats: bool = False) -> str:
        """The FROM item of the selected devices' calls (alias it `c`; `DeviceScope.calls`)."""
        return self.scope.calls(sessions=sessions, stats=stats)

    def device(self, index: int) -> str:
        """The label of a row's device ('' when a single device is read)."""
        return self.scope.label(index) if self.scope.labelled else ""

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
    row = conn.execute(f"SELECT min(c.ts_ms), max(c.ts_ms) FROM {flt.calls()} c WHERE {where}", args).fetchone()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def totals(conn: sqlite3.Connection, flt: Filter = Filter()) -> Totals:
    where, args = flt.where()
    return Totals.from_row(conn.execute(f"SELECT {_SUMS} FROM {flt.calls()} c WHERE {where}", args).fetchone())


class PeriodRow(NamedTuple):
    period: str  # a local day, ISO week (its Monday) or month
    source: str
    model: str  # '' when models are not split
    totals: Totals
    device: str = ""  # the device's label when the filter reads more than one device


def period_sql(period: str, tz: ZoneInfo, span: tuple[int, int], week_start: int = MONDAY) -> str:
    """The SQL label of a call's period (`c.ts_ms`): its local day, the first day of its week, or its month.

    `span`: the calls' (min, max) ts_ms, which bounds the time zone's offsets; `week_start`: 0 Monday … 6 Sunday.
    """
    if not 0 <= week_start <= 6:
        raise ValueError(f"week_start {week_start} is not a weekday number (0 Monday … 6 Sunday)")
    return PERIODS[period].format(d=local_day_sql("c.ts_ms", tz, *span), w=(week_start + 1) % 7)  # SQLite: 0 Sunday


def by_period(conn: sqlite3.Connection, period: str, tz: ZoneInfo, flt: Filter = Filter(),
              split_model: bool = True, week_start: int = MONDAY) -> list[PeriodRow]:
    """Rows sorted by period, source, model (and device); periods are local days, weeks (labelled by their
    first day, which is `week_start`: Monday unless asked otherwise) or months."""
    span = data_span(conn, flt)
    if span is None:
        return []
    label = period_sql(period, tz, span, week_start)
    model = "c.model" if split_model else "''"
    device = "c.device" if flt.scope.labelled else "0"
    where, args = flt.where()
    rows = conn.execute(
        f"SELECT {label} AS p, c.source, {model} AS m, {device} AS d, {_SUMS} FROM {flt.calls()} c WHERE {where}"
        f" GROUP BY p, c.source, m, d ORDER BY p, c.source, m, d", args)
    return [PeriodRow(r[0], r[1], r[2], Totals.from_row(r[4:]), flt.device(r[3])) for r in rows]


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
    device: str = ""  # the device's label when the filter reads more than one device (ids are per device)


def sessions(conn: sqlite3.Connection, flt: Filter = Filter(), limit: int | None = None) -> list[SessionRow]:
    """Chats with calls in the window, most recent first; sub-agent chats are listed on their own."""
    where, args = flt.where()
    lim = f" LIMIT {int(limit)}" if limit else ""
    rows = conn.execute(
        f"SELECT c.session_id, min(c.source), min(c.session_key), min(c.parent_key), min(c.project), min(c.ts_ms),"
        f" max(c.ts_ms), min(c.models), c.device, {_SUMS} FROM {flt.calls(sessions=True)} c WHERE {where}"
        f" GROUP BY c.device, c.session_id ORDER BY max(c.ts_ms) DESC, c.device{lim}", args)
    return [SessionRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], Totals.from_row(r[9:]), flt.device(r[8]))
            for r in rows]


class ProjectRow(NamedTuple):
    project: str  # '' for chats whose folder is unknown
    totals: Totals
    device: str = ""  # the device's label when the filter reads more than one device


def projects(conn: sqlite3.Connection, flt: Filter = Filter()) -> list[ProjectRow]:
    """Totals per project folder (unknown folders grouped as ''), and per device when several are read;
    largest output first."""
    where, args = flt.where()
    device = "c.device" if flt.scope.labelled else "0"
    rows = conn.execute(
        f"SELECT coalesce(c.project, ''), {device} AS d, {_SUMS} FROM {flt.calls(sessions=True)} c"
        f" WHERE {where} GROUP BY 1, d ORDER BY sum(c.output) DESC, 1, d", args)
    return [ProjectRow(r[0], Totals.from_row(r[2:]), flt.device(r[1])) for r in rows]


def unpriced_models(conn: sqlite3.Connection, flt: Filter = Filter()) -> list[str]:
    where, args = flt.where()
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT c.model FROM {flt.calls()} c WHERE {where} AND c.cost_usd IS NULL ORDER BY 1", args)]


def session_calls(conn: sqlite3.Connection, session_id: int) -> list[tuple[int, str, int, int, int, int, float | None]]:
    """A chat's calls in order: (ts_ms, model, input, cache_write, cache_read, output, cost)."""
    return list(conn.execute(
        "SELECT ts_ms, model, input, cache_write_5m + cache_write_1h, cache_read, output, cost_usd FROM api_call"
        " WHERE session_id = ? ORDER BY ts_ms, id", (session_id,)))


def cached_rates(conn: sqlite3.Connection) -> list[str]:
    """Every distinct set of per-token rates the store has cached for some model and day (JSON, `Rates.to_json`)."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT rates FROM model_price WHERE rates IS NOT NULL")]
