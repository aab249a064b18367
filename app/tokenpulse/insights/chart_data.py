"""What the range views show, read from the rollups (Qt-free): zero-filled local days, the token mix, rhythm.

Every builder takes a connection (the charts pass a read-only one on a worker thread) and returns plain
lists; given a device scope (store.sync.scope) it sums every device's rollups, each read in its own ledger.
Tokens stay split by type everywhere: output is the work; input, cache write and cache read are what the model
was fed. The chats and projects listings live in insights.chart_chats.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from tokenpulse.insights.spend_facts import SpendFacts
from tokenpulse.store.localtime import day_start_ms, offset_spans
from tokenpulse.store.sync.scope import THIS_DEVICE, DeviceScope

RANGES = {"7d": 7, "30d": 30, "90d": 90, "1y": 365, "all": None}
_DAY_MS, _HOUR_MS = 86_400_000, 3_600_000
_EPOCH = date(1970, 1, 1)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SUMS = ("sum(calls), sum(input), sum(cache_write), sum(cache_read), sum(output), sum(reasoning), sum(cost_usd),"
         " sum(unpriced_calls), sum(input_cost), sum(cache_write_cost), sum(cache_read_cost), sum(output_cost)")


@lru_cache(maxsize=64)
def agent_label(source: str) -> str:
    """"Claude Code" for "claude-code"; unknown names as they are."""
    from tokenpulse.sources.registry import all_sources

    return {s.name: s.label for s in all_sources()}.get(source, source)


@lru_cache(maxsize=64)
def agent_rank(source: str) -> tuple[int, str]:
    """Where an agent stacks and lists: the registry's order, unknown names after, by name. The same in every
    range and view, so a colour band never changes place."""
    from tokenpulse.sources.registry import all_sources

    names = [s.name for s in all_sources()]
    return (names.index(source), "") if source in names else (len(names), source)


def catalogue(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every (agent, model) pair in the store: agents in their stacking order, each one's models in the order
    they were first used (then by name), so a new model comes last and the others keep their colour. Whatever
    range is shown, this fixes each model's colour and place (a few thousand rows of usage_local_hour)."""
    table = "usage_local_hour" if conn.execute("SELECT EXISTS (SELECT 1 FROM usage_local_hour)").fetchone()[0] \
        else "usage_rollup"
    pairs = conn.execute(f"SELECT DISTINCT source, model FROM {table}").fetchall()
    first = dict(conn.execute("SELECT model, min(day) FROM model_price GROUP BY model").fetchall())
    return sorted(((str(a), str(m)) for a, m in pairs),
                  key=lambda p: (agent_rank(p[0]), first.get(p[1]) or "9999", p[1]))


def model_order(pairs: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each model's place in the catalogue `pairs`: under the first agent that used it."""
    out: dict[str, int] = {}
    for _agent, model in pairs:
        out.setdefault(model, len(out))
    return out


def add_known(a: float | None, b: float | None) -> float | None:
    """Like SQL sum(): unknown costs are left out, and "nothing known" stays None, never 0."""
    if a is None:
        return b
    return a if b is None else a + b


# --- ranges of local days ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DayRange:
    """Local calendar days first..last, both included."""

    first: date
    last: date

    def days(self) -> list[str]:
        return [(self.first + timedelta(days=i)).isoformat() for i in range((self.last - self.first).days + 1)]

    def window_ms(self, tz: ZoneInfo) -> tuple[int, int]:
        """[start, end) in UTC epoch ms: local midnight before `first` to local midnight after `last`."""
        return day_start_ms(self.first.isoformat(), tz), day_start_ms((self.last + timedelta(days=1)).isoformat(), tz)


def utc_spans(tz: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[(start, end, offset)] cutting [lo, hi) where the zone's UTC offset changes (DST)."""
    found = offset_spans(tz, lo, hi)
    out = []
    for i, (start, off) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else hi
        a, b = max(lo, start), min(hi, end)
        if a < b:
            out.append((a, b, off))
    return out


def epoch_day(n: int) -> str:
    return (_EPOCH + timedelta(days=n)).isoformat()


def local_time(ts_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")



def local_date(ts_ms: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(tz).date()


def data_days(conn: sqlite3.Connection, tz: ZoneInfo, scope: DeviceScope | None = None) -> tuple[date, date] | None:
    # two subqueries: each is one step down ix_usage_rollup_bucket (min and max in one select scan the table)
    found = [row for row in (conn.execute(f"SELECT (SELECT min(bucket_ms) FROM {schema}.usage_rollup),"
                                          f" (SELECT max(bucket_ms) FROM {schema}.usage_rollup)").fetchone()
                             for schema in (scope or THIS_DEVICE).schemas) if row[0] is not None]
    if not found:
        return None
    return local_date(min(r[0] for r in found), tz), local_date(max(r[1] for r in found), tz)


def preset_range(key: str, today: date, first_data_day: date | None) -> DayRange:
    """7d/30d/90d/1y end today; "all" starts at the first day with data (today when there is none)."""
    n = RANGES[key]
    if n is None:
        return DayRange(min(first_data_day or today, today), today)
    return DayRange(today - timedelta(days=n - 1), today)


# --- per-day totals ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Sums:
    """Token counts by type and their cost; costs are None when no call has a known price."""

    calls: int = 0
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    cost: float | None = None
    unpriced_calls: int = 0
    input_cost: float | None = None
    cache_write_cost: float | None = None
    cache_read_cost: float | None = None
    output_cost: float | None = None

    def add(self, other: Sums) -> None:
        self.add_row((other.calls, other.input, other.cache_write, other.cache_read, other.output, other.reasoning,
                      other.cost, other.unpriced_calls, other.input_cost, other.cache_write_cost,
                      other.cache_read_cost, other.output_cost))

    def add_row(self, row: Sequence[Any]) -> None:
        calls, inp, cw, cr, out, rsn, cost, unpriced, ic, wc, rc, oc = row
        self.calls += calls or 0
        self.input += inp or 0
        self.cache_write += cw or 0
        self.cache_read += cr or 0
        self.output += out or 0
        self.reasoning += rsn or 0
        self.cost = add_known(self.cost, cost)
        self.unpriced_calls += unpriced or 0
        self.input_cost = add_known(self.input_cost, ic)
        self.cache_write_cost = add_known(self.cache_write_cost, wc)
        self.cache_read_cost = add_known(self.cache_read_cost, rc)
        self.output_cost = add_known(self.output_cost, oc)

    @property
    def fed(self) -> int:
        """Input-side tokens: input + cache write + cache read."""
        return self.input + self.cache_write + self.cache_read

    @property
    def fed_per_output(self) -> float | None:
        return self.fed / self.output if self.output else None


@dataclass(slots=True)
class Daily:
    """Per local day (zero-filled): totals, and output and cost per agent and per model (largest first).

    Long ranges come bucketed by week or month (insights.chart_periods): then `days` holds each period's first
    day (a Monday, the 1st), `lengths` its length in days, and `unit` says which.
    """

    days: list[str]
    totals: list[Sums]
    agents: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    # "agent"/"model" (and "device" when several devices are read) -> key -> days
    output_by: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    cost_by: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    waste_tokens: list[int] = field(default_factory=list)  # long-chat waste per day (insights.chart_waste)
    waste_cost: list[float | None] = field(default_factory=list)
    facts: SpendFacts = field(default_factory=SpendFacts)  # where the range's cache-read spend went
    unit: str = "day"  # "day", "week" or "month"
    lengths: list[int] = field(default_factory=list)  # days in each period (all 1 for days)
    partial: list[bool] = field(default_factory=list)  # a period still running (today) or cut by the range
    catalogue: list[tuple[str, str]] = field(default_factory=list)  # every (agent, model) in the store

    def index(self, day: str) -> int:
        return self.days.index(day)


def _days_grouped(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange,
                  schema: str = "main") -> list[tuple[Any, ...]]:
    """(local day, agent, model, sums…) over the range: from usage_local_day when it is kept in `tz` (a row per
    day and model, not per hour), else as _grouped finds them; `schema`: the device's ledger (_grouped)."""
    row = conn.execute(f"SELECT zone FROM {schema}.usage_local_day LIMIT 1").fetchone()
    if row is not None and row[0] == tz.key and _local_ready(conn, tz, schema):
        first, last = (rng.first - _EPOCH).days, (rng.last - _EPOCH).days
        return conn.execute(f"SELECT local_day, source, model, {_DAY_COLUMNS} FROM {schema}.usage_local_day"
                            " WHERE local_day BETWEEN ? AND ?", (first, last)).fetchall()
    return _grouped(conn, tz, rng, ("local_day, source, model", "d, source, model"), _SUMS,
                    ("local_day, source, model", "d, source, model"), schema)


_DAY_COLUMNS = _SUMS.replace("sum(", "(")  # one row per day and model already: the columns as they are


def _grouped(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, keys: tuple[str, str], cols: str,
             group: tuple[str, str], schema: str = "main") -> list[tuple[Any, ...]]:
    """Rows of `keys` + `cols` grouped by `group`, over the range's local days and hours.

    `keys` and `group` come in two spellings: (over usage_local_hour, with its local_day and hour columns;
    over quarter-hours, with `d` and `h`, the local day and hour of each). usage_local_hour is read when it is
    kept in `tz` (a few rows per hour); otherwise usage_rollup's quarter-hours are summed span by span of
    constant UTC offset (exact for any whole- or quarter-hour zone, slower). `schema` names the device's ledger
    on the connection (another device's keeps its local hours in its own zone, often the same).
    """
    if _local_ready(conn, tz, schema):
        first, last = (rng.first - _EPOCH).days, (rng.last - _EPOCH).days
        return conn.execute(f"SELECT {keys[0]}, {cols} FROM {schema}.usage_local_hour WHERE local_day BETWEEN ? AND ?"
                            f" GROUP BY {group[0]}", (first, last)).fetchall()
    rows: list[tuple[Any, ...]] = []
    for a, b, off in utc_spans(tz, *rng.window_ms(tz)):
        rows += conn.execute(
            f"SELECT {keys[1]}, {cols} FROM (SELECT (bucket_ms + {off}) / {_DAY_MS} AS d,"
            f" ((bucket_ms + {off}) % {_DAY_MS}) / {_HOUR_MS} AS h, * FROM {schema}.usage_rollup"
            f" WHERE bucket_ms >= ? AND bucket_ms < ?) GROUP BY {group[1]}", (a, b)).fetchall()
    return rows


def _local_ready(conn: sqlite3.Connection, tz: ZoneInfo, schema: str = "main") -> bool:
    row = conn.execute(f"SELECT zone FROM {schema}.usage_local_hour LIMIT 1").fetchone()
    if row is None:  # empty: right only if there is nothing to sum
        return not conn.execute(f"SELECT EXISTS (SELECT 1 FROM {schema}.usage_rollup)").fetchone()[0]
    return bool(row[0] == tz.key)


def daily(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, scope: DeviceScope | None = None) -> Daily:
    """Per local day of the range; agents and models in their stable order (agent_rank, catalogue); over several
    devices (`scope`), every device's days summed, and output and cost per device too (in the scope's order)."""
    days = rng.days()
    n = len(days)
    first = (rng.first - _EPOCH).days  # rows name their day by its number: the index is a subtraction
    out = Daily(days, [Sums() for _ in days], lengths=[1] * n, partial=[False] * n, catalogue=catalogue(conn))
    places = model_order(out.catalogue)
    scope = scope or THIS_DEVICE
    splits = ("agent", "model", "device") if scope.labelled else ("agent", "model")
    per: dict[str, dict[str, list[int]]] = {split: {} for split in splits}
    cost: dict[str, dict[str, list[float | None]]] = {split: {} for split in splits}
    totals = out.totals
    for member in scope.members:
        for d, source, model, *sums in _days_grouped(conn, tz, rng, member.schema):
            i = d - first
            if not 0 <= i < n:
                continue
            totals[i].add_row(sums)
            output, spent = sums[4] or 0, sums[6]
            for split, key in (("agent", source), ("model", model), ("device", member.label))[:len(splits)]:
                series = per[split].get(key)
                if series is None:
                    series = per[split][key] = [0] * n
                    cost[split][key] = [None] * n
                series[i] += output
                if spent is not None:
                    costs = cost[split][key]
                    was = costs[i]
                    costs[i] = spent if was is None else was + spent

    def model_rank(model: str) -> tuple[int, str]:
        return places.get(model, len(places)), model

    devices = [m.label for m in scope.members]
    ranks: dict[str, Callable[[str], Any]] = {"agent": agent_rank, "model": model_rank, "device": devices.index}
    for split in splits:
        order = sorted(per[split], key=ranks[split])
        out.output_by[split] = {k: per[split][k] for k in order}
        out.cost_by[split] = {k: cost[split][k] for k in order}
    out.agents = list(out.output_by["agent"])
    out.models = list(out.output_by["model"])
    return out


def daily_table(d: Daily, split: str) -> tuple[list[str], Sequence[Sequence[object]]]:
    """CSV rows of the overview: per day, output per agent or model, then the day's totals."""
    keys = list(d.output_by.get(split, {}))
    head = ["day", *[f"output {k}" for k in keys], "output", "cost_usd", "calls"]
    rows = [[day, *[d.output_by[split][k][i] for k in keys], t.output, round_usd(t.cost), t.calls]
            for i, (day, t) in enumerate(zip(d.days, d.totals))]
    return head, rows


def mix_table(d: Daily) -> tuple[list[str], Sequence[Sequence[object]]]:
    """CSV rows of the token mix: tokens and cost per type per day, and input-side tokens per output token."""
    head = ["day", "input", "cache_write", "cache_read", "output", "input_cost_usd", "cache_write_cost_usd",
            "cache_read_cost_usd", "output_cost_usd", "cost_usd", "fed_per_output"]
    rows = [[day, t.input, t.cache_write, t.cache_read, t.output, round_usd(t.input_cost),
             round_usd(t.cache_write_cost),
             round_usd(t.cache_read_cost), round_usd(t.output_cost), round_usd(t.cost),
             None if t.fed_per_output is None else round(t.fed_per_output, 2)]
            for day, t in zip(d.days, d.totals)]
    return head, rows


def round_usd(x: float | None) -> float | None:
    """Costs in CSV rows: to a millionth of a dollar, unknown ones left empty."""
    return None if x is None else round(x, 6)


# --- rhythm -----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Rhythm:
    """Output tokens per local weekday (Mon first) and hour of day."""

    output: list[list[int]]
    calls: list[list[int]]

    def table(self) -> tuple[list[str], list[list[object]]]:
        return (["weekday", *[f"{h:02d}" for h in range(24)]],
                [[WEEKDAYS[w], *self.output[w]] for w in range(7)])


def rhythm(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, scope: DeviceScope | None = None) -> Rhythm:
    out = [[0] * 24 for _ in range(7)]
    calls = [[0] * 24 for _ in range(7)]
    # epoch day 0 was a Thursday: +3 makes Monday 0
    for schema in (scope or THIS_DEVICE).schemas:
        for wd, hour, o, n in _grouped(conn, tz, rng, ("(local_day + 3) % 7 AS w, hour", "(d + 3) % 7 AS w, h"),
                                       "sum(output), sum(calls)", ("w, hour", "w, h"), schema):
            out[wd][hour] += o or 0
            calls[wd][hour] += n or 0
    return Rhythm(out, calls)
