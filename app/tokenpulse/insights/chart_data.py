"""What the charts show, read from usage_rollup (Qt-free): zero-filled local days in the settings' zone.

Every builder takes a connection (the charts pass a read-only one on a worker thread) and returns plain
lists. Tokens stay split by type everywhere: output is the work; input, cache write and cache read are
what the model was fed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from tokenpulse.insights.waste import waste_of
from tokenpulse.store.localtime import day_start_ms, offset_spans

RANGES = {"7d": 7, "30d": 30, "90d": 90, "1y": 365, "all": None}
_DAY_MS, _HOUR_MS = 86_400_000, 3_600_000
_EPOCH = date(1970, 1, 1)
_SCAN_DAYS = 120  # longer ranges read usage_chat whole rather than through its index
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SUMS = ("sum(calls), sum(input), sum(cache_write), sum(cache_read), sum(output), sum(reasoning), sum(cost_usd),"
         " sum(unpriced_calls), sum(input_cost), sum(cache_write_cost), sum(cache_read_cost), sum(output_cost)")


@lru_cache(maxsize=64)
def agent_label(source: str) -> str:
    """"Claude Code" for "claude-code"; unknown names as they are."""
    from tokenpulse.sources.registry import all_sources

    return {s.name: s.label for s in all_sources()}.get(source, source)


def _add(a: float | None, b: float | None) -> float | None:
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


def _spans(tz: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[(start, end, offset)] cutting [lo, hi) where the zone's UTC offset changes (DST)."""
    found = offset_spans(tz, lo, hi)
    out = []
    for i, (start, off) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else hi
        a, b = max(lo, start), min(hi, end)
        if a < b:
            out.append((a, b, off))
    return out


def _epoch_day(n: int) -> str:
    return (_EPOCH + timedelta(days=n)).isoformat()


def local_date(ts_ms: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(tz).date()


def data_days(conn: sqlite3.Connection, tz: ZoneInfo) -> tuple[date, date] | None:
    row = conn.execute("SELECT min(bucket_ms), max(bucket_ms) FROM usage_rollup").fetchone()
    return None if row[0] is None else (local_date(row[0], tz), local_date(row[1], tz))


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

    def add_row(self, row: tuple) -> None:  # type: ignore[type-arg]
        calls, inp, cw, cr, out, rsn, cost, unpriced, ic, wc, rc, oc = row
        self.calls += calls or 0
        self.input += inp or 0
        self.cache_write += cw or 0
        self.cache_read += cr or 0
        self.output += out or 0
        self.reasoning += rsn or 0
        self.cost = _add(self.cost, cost)
        self.unpriced_calls += unpriced or 0
        self.input_cost = _add(self.input_cost, ic)
        self.cache_write_cost = _add(self.cache_write_cost, wc)
        self.cache_read_cost = _add(self.cache_read_cost, rc)
        self.output_cost = _add(self.output_cost, oc)

    @property
    def fed(self) -> int:
        """Input-side tokens: input + cache write + cache read."""
        return self.input + self.cache_write + self.cache_read

    @property
    def fed_per_output(self) -> float | None:
        return self.fed / self.output if self.output else None


@dataclass(slots=True)
class Daily:
    """Per local day (zero-filled): totals, and output and cost per agent and per model (largest first)."""

    days: list[str]
    totals: list[Sums]
    agents: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    output_by: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # "agent"/"model" -> key -> days
    cost_by: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)

    def index(self, day: str) -> int:
        return self.days.index(day)


def _grouped(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, keys: tuple[str, str], cols: str,
             group: tuple[str, str]) -> list[tuple]:  # type: ignore[type-arg]
    """Rows of `keys` + `cols` grouped by `group`, over the range's local days and hours.

    `keys` and `group` come in two spellings: (over usage_local_hour, with its local_day and hour columns;
    over quarter-hours, with `d` and `h`, the local day and hour of each). usage_local_hour is read when it is
    kept in `tz` (a few rows per hour); otherwise usage_rollup's quarter-hours are summed span by span of
    constant UTC offset (exact for any whole- or quarter-hour zone, slower).
    """
    if _local_ready(conn, tz):
        first, last = (rng.first - _EPOCH).days, (rng.last - _EPOCH).days
        return conn.execute(f"SELECT {keys[0]}, {cols} FROM usage_local_hour WHERE local_day BETWEEN ? AND ?"
                            f" GROUP BY {group[0]}", (first, last)).fetchall()
    rows: list[tuple] = []  # type: ignore[type-arg]
    for a, b, off in _spans(tz, *rng.window_ms(tz)):
        rows += conn.execute(
            f"SELECT {keys[1]}, {cols} FROM (SELECT (bucket_ms + {off}) / {_DAY_MS} AS d,"
            f" ((bucket_ms + {off}) % {_DAY_MS}) / {_HOUR_MS} AS h, * FROM usage_rollup"
            f" WHERE bucket_ms >= ? AND bucket_ms < ?) GROUP BY {group[1]}", (a, b)).fetchall()
    return rows


def _local_ready(conn: sqlite3.Connection, tz: ZoneInfo) -> bool:
    row = conn.execute("SELECT zone FROM usage_local_hour LIMIT 1").fetchone()
    if row is None:  # empty: right only if there is nothing to sum
        return not conn.execute("SELECT EXISTS (SELECT 1 FROM usage_rollup)").fetchone()[0]
    return bool(row[0] == tz.key)


def daily(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> Daily:
    days = rng.days()
    pos = {d: i for i, d in enumerate(days)}
    out = Daily(days, [Sums() for _ in days])
    per: dict[str, dict[str, list[int]]] = {"agent": {}, "model": {}}
    cost: dict[str, dict[str, list[float | None]]] = {"agent": {}, "model": {}}
    for d, source, model, *sums in _grouped(conn, tz, rng, ("local_day, source, model", "d, source, model"),
                                            _SUMS, ("local_day, source, model", "d, source, model")):
        i = pos.get(_epoch_day(d))
        if i is None:
            continue
        out.totals[i].add_row(tuple(sums))
        for split, key in (("agent", source), ("model", model)):
            series = per[split].setdefault(key, [0] * len(days))
            series[i] += sums[4] or 0
            costs = cost[split].setdefault(key, [None] * len(days))
            costs[i] = _add(costs[i], sums[6])
    for split in ("agent", "model"):
        order = sorted(per[split], key=lambda k: (-sum(per[split][k]), k))
        out.output_by[split] = {k: per[split][k] for k in order}
        out.cost_by[split] = {k: cost[split][k] for k in order}
    out.agents = list(out.output_by["agent"])
    out.models = list(out.output_by["model"])
    return out


def daily_table(d: Daily, split: str) -> tuple[list[str], list[list[object]]]:
    """CSV rows of the overview: per day, output per agent or model, then the day's totals."""
    keys = list(d.output_by.get(split, {}))
    head = ["day", *[f"output {k}" for k in keys], "output", "cost_usd", "calls"]
    rows = [[day, *[d.output_by[split][k][i] for k in keys], t.output, _round(t.cost), t.calls]
            for i, (day, t) in enumerate(zip(d.days, d.totals))]
    return head, rows


def mix_table(d: Daily) -> tuple[list[str], list[list[object]]]:
    """CSV rows of the token mix: tokens and cost per type per day, and input-side tokens per output token."""
    head = ["day", "input", "cache_write", "cache_read", "output", "input_cost_usd", "cache_write_cost_usd",
            "cache_read_cost_usd", "output_cost_usd", "cost_usd", "fed_per_output"]
    rows = [[day, t.input, t.cache_write, t.cache_read, t.output, _round(t.input_cost), _round(t.cache_write_cost),
             _round(t.cache_read_cost), _round(t.output_cost), _round(t.cost),
             None if t.fed_per_output is None else round(t.fed_per_output, 2)]
            for day, t in zip(d.days, d.totals)]
    return head, rows


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


# --- chats -------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Chat:
    """A chat's figures within the range; a parent's `family` adds its sub-agent chats."""

    session_id: int
    source: str
    session_key: str
    parent_key: str | None
    project: str
    models: list[str]
    start_ms: int
    calls: int
    output: int
    fed: int
    cost: float | None
    peak_context: int
    waste_cost: float | None  # whole chat, from chat_stats
    whole_cost: float | None
    children: list[Chat] = field(default_factory=list)

    @property
    def family_calls(self) -> int:
        return self.calls + sum(c.calls for c in self.children)

    @property
    def family_output(self) -> int:
        return self.output + sum(c.output for c in self.children)

    @property
    def family_cost(self) -> float | None:
        total = self.cost
        for c in self.children:
            total = _add(total, c.cost)
        return total

    @property
    def family_peak(self) -> int:
        return max([self.peak_context, *(c.peak_context for c in self.children)])

    @property
    def waste_share(self) -> float | None:
        """Long-chat waste as a share of the whole chat's cost (its sub-agents included)."""
        waste, whole = self.waste_cost, self.whole_cost
        for c in self.children:
            waste, whole = _add(waste, c.waste_cost), _add(whole, c.whole_cost)
        return None if waste is None or not whole else waste / whole

    @property
    def all_models(self) -> list[str]:
        seen = dict.fromkeys(self.models)
        for c in self.children:
            seen.update(dict.fromkeys(c.models))
        return list(seen)


_COLUMNS = ("m.sid, m.source, m.session_key, m.parent_key, m.project, m.models, m.first_ms, m.calls, m.output,"
            " m.fed, m.cost, m.peak, m.waste_cost, m.whole_cost, m.family")
SORTS = {"start": "f.first_ms", "agent": "f.source", "project": "lower(f.project)", "models": "f.models",
         "calls": "f.calls", "output": "f.output", "cost": "coalesce(f.cost, 0)", "peak": "f.peak",
         "waste": "coalesce(f.waste_share, -1)"}

# Temporary tables on the (read-only, per-query) connection: the chats with calls in the range, each with the
# family it is shown in (its parent when the parent also has calls in the range), and the families' sums.
_MEMBERS = [
    "DROP TABLE IF EXISTS temp.chart_a",
    "DROP TABLE IF EXISTS temp.chart_m",
    "DROP TABLE IF EXISTS temp.chart_f",
    "CREATE TEMP TABLE chart_a (sid INTEGER PRIMARY KEY, calls INT, output INT, fed INT, cost REAL)",
    # chats wholly inside the range: their totals as they are ({last}: "+last_ms" reads the table in order,
    # cheaper than the index when the range holds most chats)
    ("INSERT INTO chart_a SELECT session_id, calls, output, input + cache_write + cache_read, cost_usd"
     " FROM usage_chat WHERE {last} >= :lo AND {last} < :hi AND first_ms >= :lo"),
    # chats that cross an end of the range: their quarter-hours inside it
    ("INSERT INTO chart_a SELECT r.session_id, sum(r.calls), sum(r.output),"
     " sum(r.input + r.cache_write + r.cache_read), sum(r.cost_usd)"
     " FROM usage_chat c CROSS JOIN usage_rollup r ON r.session_id = c.session_id"  # CROSS: chats first
     " WHERE c.last_ms >= :lo AND c.first_ms < :hi AND (c.first_ms < :lo OR c.last_ms >= :hi)"
     " AND r.bucket_ms >= :lo AND r.bucket_ms < :hi GROUP BY r.session_id"),
    ("CREATE TEMP TABLE chart_m (sid INTEGER PRIMARY KEY, source TEXT, session_key TEXT, parent_key TEXT,"
     " project TEXT, models TEXT, first_ms INT, calls INT, output INT, fed INT, cost REAL, peak INT,"
     " waste_cost REAL, whole_cost REAL, family INT)"),
    ("INSERT INTO chart_m SELECT a.sid, s.source, s.session_key, s.parent_key, coalesce(s.project, ''), s.models,"
     " s.first_ms, a.calls, a.output, a.fed, a.cost, coalesce(t.peak_context, 0), t.waste_cost_usd, t.cost_usd,"
     " coalesce(pa.sid, a.sid) FROM chart_a a JOIN chat_session s ON s.id = a.sid"
     " LEFT JOIN chat_stats t ON t.session_id = a.sid"
     " LEFT JOIN chat_session p ON p.source = s.source AND p.session_key = s.parent_key"
     " LEFT JOIN chart_a pa ON pa.sid = p.id"),
    "CREATE INDEX temp.chart_m_family ON chart_m (family)",
    ("CREATE TEMP TABLE chart_f (family INTEGER PRIMARY KEY, source TEXT, project TEXT, first_ms INT,"
     " models TEXT, calls INT, output INT, cost REAL, peak INT, waste_share REAL)"),
    # most chats have no sub-agent: their family is themselves, copied without grouping
    ("INSERT INTO chart_f SELECT sid, source, project, first_ms, models, calls, output, cost, peak,"
     " CASE WHEN whole_cost > 0 THEN waste_cost / whole_cost END FROM chart_m"
     " WHERE sid = family AND sid NOT IN (SELECT family FROM chart_m WHERE sid <> family)"),
    ("INSERT INTO chart_f SELECT h.sid, h.source, h.project, h.first_ms, h.models, sum(m.calls), sum(m.output),"
     " sum(m.cost), max(m.peak), CASE WHEN sum(m.whole_cost) > 0 THEN sum(m.waste_cost) / sum(m.whole_cost) END"
     " FROM chart_m m JOIN chart_m h ON h.sid = m.family"
     " WHERE m.family IN (SELECT family FROM chart_m WHERE sid <> family) GROUP BY m.family"),
]


def _members(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> None:
    lo, hi = rng.window_ms(tz)
    last = "+last_ms" if (rng.last - rng.first).days > _SCAN_DAYS else "last_ms"
    for statement in _MEMBERS:
        conn.execute(statement.replace("{last}", last), {"lo": lo, "hi": hi} if ":lo" in statement else {})


@dataclass(slots=True)
class ChatList:
    """The first `limit` chats (families) in the chosen order, with their sub-agent chats attached."""

    chats: list[Chat]
    total: int  # families that match the filter


def _build(rows: list[tuple]) -> list[Chat]:  # type: ignore[type-arg]
    """Chats from member rows (heads before their members, in order): children attached to their heads."""
    heads: dict[int, Chat] = {}
    out: list[Chat] = []
    for r in rows:
        chat = Chat(r[0], r[1], r[2], r[3], r[4], r[5].split(",") if r[5] else [], r[6], r[7], r[8], r[9], r[10],
                    r[11], r[12], r[13])
        head = heads.get(r[14])
        if r[14] == r[0] or head is None:
            heads[r[0]] = chat
            out.append(chat)
        else:
            head.children.append(chat)
    return out


def _filter_sql(text: str) -> tuple[str, list[object]]:
    """Families with a member whose folder, agent, session or models contain every word."""
    words = text.lower().split()
    if not words:
        return "1", []
    labels = " ".join(f"WHEN '{name}' THEN '{agent_label(name).lower().replace(chr(39), '')}'" for name in _sources())
    hay = (f"lower(project || ' ' || source || ' ' || (CASE source {labels} ELSE '' END) || ' ' || session_key"
           " || ' ' || models)")
    likes = " AND ".join(f"{hay} LIKE ? ESCAPE '\\'" for _ in words)
    esc = [("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%") for w in words]
    return f"f.family IN (SELECT family FROM temp.chart_m WHERE {likes})", list(esc)


@lru_cache(maxsize=1)
def _sources() -> tuple[str, ...]:
    from tokenpulse.sources.registry import all_sources

    return tuple(s.name for s in all_sources())


def chats(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, sort: str = "start", descending: bool = True,
          text: str = "", limit: int | None = 1_000) -> ChatList:
    """Chats with calls in the range, sorted and cut in SQL so only what is listed becomes Python objects.

    Sub-agent chats are folded under their parent when the parent also has calls in the range. Uses
    temporary tables: give it a connection of its own (the charts open one per query).
    """
    _members(conn, tz, rng)
    where, args = _filter_sql(text)
    way = "DESC" if descending else "ASC"
    rows = conn.execute(
        f"WITH r AS (SELECT family, row_number() OVER (ORDER BY {SORTS[sort]} {way}, f.family {way}) AS rn,"
        f" count(*) OVER () AS total FROM temp.chart_f f WHERE {where})"
        f" SELECT {_COLUMNS}, r.total FROM r JOIN temp.chart_m m ON m.family = r.family WHERE r.rn <= ?"
        " ORDER BY r.rn, m.sid <> m.family, m.first_ms", [*args, 2**62 if limit is None else limit]).fetchall()
    return ChatList(_build(rows), rows[0][15] if rows else 0)


def chats_table(items: list[Chat], tz: ZoneInfo) -> tuple[list[str], list[list[object]]]:
    """CSV rows: every chat, sub-agent chats after their parent (with its session in parent_session)."""
    head = ["start", "agent", "project", "session", "parent_session", "models", "calls", "output", "cost_usd",
            "peak_context", "waste_share"]
    rows: list[list[object]] = []
    for c in items:
        for k in [c, *c.children]:
            share = k.waste_share
            rows.append([local_time(k.start_ms, tz), k.source, k.project, k.session_key, k.parent_key or "",
                         " ".join(k.models), k.calls, k.output, _round(k.cost), k.peak_context,
                         None if share is None else round(share, 4)])
    return head, rows


def local_time(ts_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


@dataclass(slots=True)
class Curve:
    """One chat's calls in order: what each re-read (context), the floor F, the allowance R, running cost."""

    session_id: int
    ts_ms: list[int]
    context: list[int]
    output: list[int]
    waste: list[int]
    cumulative_cost: list[float]
    floor: int
    recap_allowance: int
    unpriced_calls: int

    def table(self, tz: ZoneInfo) -> tuple[list[str], list[list[object]]]:
        head = ["call", "time", "context", "output", "waste", "cumulative_cost_usd"]
        return head, [[i + 1, local_time(t, tz), c, o, w, round(k, 6)] for i, (t, c, o, w, k) in enumerate(
            zip(self.ts_ms, self.context, self.output, self.waste, self.cumulative_cost))]


def chat_curve(conn: sqlite3.Connection, session_id: int, recap_allowance: int) -> Curve:
    ts, ctx, out, cum = [], [], [], []
    running, unpriced = 0.0, 0
    for t, inp, cw, cr, o, cost in conn.execute(
            "SELECT ts_ms, input, cache_write_5m + cache_write_1h, cache_read, output, cost_usd FROM api_call"
            " WHERE session_id = ? ORDER BY ts_ms, id", (session_id,)):  # ix_api_call_session_ts
        ts.append(t)
        ctx.append(inp + cw + cr)
        out.append(o)
        if cost is None:
            unpriced += 1
        else:
            running += cost
        cum.append(running)
    floor = ctx[0] if ctx else 0
    return Curve(session_id, ts, ctx, out, [waste_of(c, floor, recap_allowance) for c in ctx], cum, floor,
                 recap_allowance, unpriced)


# --- projects and rhythm ------------------------------------------------------------------------------

@dataclass(slots=True)
class Project:
    name: str  # the working folder; '' when unknown
    calls: int = 0
    output: int = 0
    cost: float | None = None
    chat_count: int = 0  # chats (sub-agent chats included) with calls in this folder
    chats: list[Chat] = field(default_factory=list)  # its costliest chats, sub-agents folded in


def projects(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, top: int = 15) -> list[Project]:
    """Per project folder (as the CLI groups it: each chat under its own folder), most output first, each with
    its costliest chats: the families it heads, and sub-agent chats whose parent worked in another folder."""
    _members(conn, tz, rng)
    found: dict[str, Project] = {}
    for name, calls, output, cost, count in conn.execute(
            "SELECT project, sum(calls), sum(output), sum(cost), count(*) FROM temp.chart_m GROUP BY project"):
        found[name] = Project(name, calls, output, cost, count)
    rows = conn.execute(
        "WITH own AS (SELECT family AS sid, project, coalesce(cost, 0) AS rank_cost FROM temp.chart_f UNION ALL"
        "  SELECT m.sid, m.project, coalesce(m.cost, 0) FROM temp.chart_m m JOIN temp.chart_m h ON h.sid = m.family"
        "  WHERE m.sid <> m.family AND h.project <> m.project),"
        " r AS (SELECT sid, project, row_number() OVER (PARTITION BY project ORDER BY rank_cost DESC, sid) AS rn"
        "  FROM own)"
        f" SELECT {_COLUMNS}, r.project, r.rn, r.sid FROM r JOIN temp.chart_m m ON m.sid = r.sid"
        " WHERE r.rn <= :top UNION ALL"
        f" SELECT {_COLUMNS}, r.project, r.rn, r.sid FROM r JOIN temp.chart_m m ON m.family = r.sid"
        " WHERE r.rn <= :top AND m.sid <> r.sid", {"top": top}).fetchall()
    rows.sort(key=lambda r: (r[15], r[16], r[0] != r[17], r[6]))  # listing, then its head, then by start
    listings: dict[tuple[str, int], list[tuple]] = {}  # type: ignore[type-arg]
    for row in rows:
        listed = row[17]
        member = (*row[:14], listed) if row[0] == listed else row[:15]  # the listed chat heads its entry
        listings.setdefault((row[15], row[16]), []).append(member)
    for (project, _rn), members in sorted(listings.items()):
        found[project].chats.extend(_build(members))
    return sorted(found.values(), key=lambda p: (-p.output, p.name))


def projects_table(items: list[Project]) -> tuple[list[str], list[list[object]]]:
    return (["project", "calls", "output", "cost_usd", "chats"],
            [[p.name, p.calls, p.output, _round(p.cost), p.chat_count] for p in items])


@dataclass(slots=True)
class Rhythm:
    """Output tokens per local weekday (Mon first) and hour of day."""

    output: list[list[int]]
    calls: list[list[int]]

    def table(self) -> tuple[list[str], list[list[object]]]:
        return (["weekday", *[f"{h:02d}" for h in range(24)]],
                [[WEEKDAYS[w], *self.output[w]] for w in range(7)])


def rhythm(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> Rhythm:
    out = [[0] * 24 for _ in range(7)]
    calls = [[0] * 24 for _ in range(7)]
    # epoch day 0 was a Thursday: +3 makes Monday 0
    for wd, hour, o, n in _grouped(conn, tz, rng, ("(local_day + 3) % 7 AS w, hour", "(d + 3) % 7 AS w, h"),
                                   "sum(output), sum(calls)", ("w, hour", "w, h")):
        out[wd][hour] += o or 0
        calls[wd][hour] += n or 0
    return Rhythm(out, calls)
