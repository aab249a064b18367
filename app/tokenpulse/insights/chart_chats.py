"""The chats and projects the charts list (Qt-free): chats with calls in a range, sub-agent chats folded
under their parent, sorted, filtered and cut in SQL; one chat's growth curve; per-folder totals.

Built from usage_chat and usage_rollup in temporary tables of the caller's connection, which serve the next query
for the same range while the store is unchanged: give it a connection no other thread uses at the same time,
in autocommit mode (isolation_level=None), or its first temporary write opens a transaction that pins an old
snapshot of the store (gui/charts/fetcher.py keeps one such connection for the listings).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from tokenpulse.insights.chart_data import DayRange, add_known, agent_label, local_time, round_usd
from tokenpulse.insights.context_windows import chat_window_of, share, window_for
from tokenpulse.insights.waste import waste_of, waste_share

_SCAN_DAYS = 120  # longer ranges read usage_chat whole rather than through its index


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
    context_window: int | None = None  # tokens (insights.context_windows); None: unknown

    @property
    def peak_share(self) -> float | None:
        """The peak context as a share of the model's window (issue 11 §5); None when the window is unknown."""
        return share(self.peak_context, self.context_window)

    @property
    def family_peak_share(self) -> float | None:
        """The share of `family_peak`: of the window of the chat (or sub-agent chat) that reached it."""
        return max([self, *self.children], key=lambda k: k.peak_context).peak_share

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
            total = add_known(total, c.cost)
        return total

    @property
    def family_peak(self) -> int:
        return max([self.peak_context, *(c.peak_context for c in self.children)])

    @property
    def waste_share(self) -> float | None:
        """Waste share (insights.waste) of the whole chat, its sub-agents included."""
        waste, whole = self.waste_cost, self.whole_cost
        for c in self.children:
            waste, whole = add_known(waste, c.waste_cost), add_known(whole, c.whole_cost)
        return waste_share(waste, whole)

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

# Temporary tables on the caller's (read-only) connection: the chats with calls in the range, each with the
# family it is shown in (its parent when the parent also has calls in the range), and the families' sums. They
# stay for the next query on the same connection while the range and the store are the same (temp.chart_key).
_M_COLUMNS = ("sid, source, session_key, parent_key, project, models, first_ms, calls, output, fed, cost, peak,"
              " waste_cost, whole_cost, family, range_waste, parent_sid")
# a sub-agent chat's parent: chat_stats keeps the link; a chat not refreshed yet finds it by its parent's key
_PARENT = ("CASE WHEN s.parent_key IS NULL THEN NULL ELSE coalesce(t.parent_id, (SELECT p.id FROM chat_session p"
           " WHERE p.source = s.source AND p.session_key = s.parent_key)) END")
_MEMBERS = [
    "DROP TABLE IF EXISTS temp.chart_key",
    "DROP TABLE IF EXISTS temp.chart_m",
    "DROP TABLE IF EXISTS temp.chart_f",
    ("CREATE TEMP TABLE chart_m (sid INTEGER PRIMARY KEY, source TEXT, session_key TEXT, parent_key TEXT,"
     " project TEXT, models TEXT, first_ms INT, calls INT, output INT, fed INT, cost REAL, peak INT,"
     " waste_cost REAL, whole_cost REAL, family INT, range_waste REAL, parent_sid INT)"),
    # chats wholly inside the range: their totals and waste as they are ({last}: "+last_ms" reads the table in
    # order, cheaper than the index when the range holds most chats)
    (f"INSERT INTO chart_m ({_M_COLUMNS}) SELECT c.session_id, s.source, s.session_key, s.parent_key,"
     " coalesce(s.project, ''), s.models, s.first_ms, c.calls, c.output, c.input + c.cache_write + c.cache_read,"
     " c.cost_usd, coalesce(t.peak_context, 0), t.waste_cost_usd, t.cost_usd, c.session_id, t.waste_cost_usd,"
     f" {_PARENT} FROM usage_chat c JOIN chat_session s ON s.id = c.session_id"
     " LEFT JOIN chat_stats t ON t.session_id = c.session_id"
     " WHERE {last} >= :lo AND {last} < :hi AND c.first_ms >= :lo"),  # {last}: c.last_ms or +c.last_ms
    # chats that cross an end of the range: their quarter-hours inside it
    (f"INSERT INTO chart_m ({_M_COLUMNS}) SELECT r.sid, s.source, s.session_key, s.parent_key,"
     " coalesce(s.project, ''), s.models, s.first_ms, r.calls, r.output, r.fed, r.cost,"
     " coalesce(t.peak_context, 0), t.waste_cost_usd, t.cost_usd, r.sid,"
     " (SELECT sum(w.waste_cost_usd) FROM waste_rollup w WHERE w.session_id = r.sid AND w.bucket_ms >= :lo"
     f"  AND w.bucket_ms < :hi), {_PARENT}"
     " FROM (SELECT u.session_id AS sid, sum(u.calls) AS calls, sum(u.output) AS output,"
     "  sum(u.input + u.cache_write + u.cache_read) AS fed, sum(u.cost_usd) AS cost"
     "  FROM usage_chat c CROSS JOIN usage_rollup u ON u.session_id = c.session_id"  # CROSS: chats first
     "  WHERE c.last_ms >= :lo AND c.first_ms < :hi AND (c.first_ms < :lo OR c.last_ms >= :hi)"
     "  AND u.bucket_ms >= :lo AND u.bucket_ms < :hi GROUP BY u.session_id) r"
     " JOIN chat_session s ON s.id = r.sid LEFT JOIN chat_stats t ON t.session_id = r.sid"),
    # a sub-agent chat is shown in its parent's family when the parent also has calls in the range
    ("UPDATE chart_m SET family = parent_sid WHERE parent_sid IS NOT NULL"
     " AND parent_sid IN (SELECT sid FROM chart_m)"),
    "CREATE INDEX temp.chart_m_family ON chart_m (family)",
    ("CREATE TEMP TABLE chart_f (family INTEGER PRIMARY KEY, source TEXT, project TEXT, first_ms INT,"
     " models TEXT, calls INT, output INT, cost REAL, peak INT, waste_share REAL)"),
    # every family's head as it is (most chats have no sub-agent), then the families with members summed again
    ("INSERT INTO chart_f SELECT sid, source, project, first_ms, models, calls, output, cost, peak,"
     " CASE WHEN whole_cost > 0 THEN waste_cost / whole_cost END FROM chart_m WHERE sid = family"),
    ("INSERT OR REPLACE INTO temp.chart_f SELECT h.sid, h.source, h.project, h.first_ms, h.models, sum(m.calls),"
     " sum(m.output),"
     " sum(m.cost), max(m.peak), CASE WHEN sum(m.whole_cost) > 0 THEN sum(m.waste_cost) / sum(m.whole_cost) END"
     " FROM chart_m m JOIN chart_m h ON h.sid = m.family"
     " WHERE m.family IN (SELECT family FROM chart_m WHERE sid <> family) GROUP BY m.family"),
    "CREATE TEMP TABLE chart_key (lo INT, hi INT, version INT)",
]


def _members(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange) -> None:
    """The temporary tables for this range, built unless this connection holds them for it already and the
    store has not changed since (PRAGMA data_version moves with every commit of another connection)."""
    lo, hi = rng.window_ms(tz)
    # the store as of now (a transaction the caller left open would show an old snapshot and an old version)
    key = (lo, hi, conn.execute("PRAGMA data_version").fetchone()[0])
    try:
        if conn.execute("SELECT lo, hi, version FROM temp.chart_key").fetchone() == key:
            return
    except sqlite3.OperationalError:
        pass  # none built on this connection yet
    last = "+c.last_ms" if (rng.last - rng.first).days > _SCAN_DAYS else "c.last_ms"
    for statement in _MEMBERS:
        conn.execute(statement.replace("{last}", last), {"lo": lo, "hi": hi} if ":lo" in statement else {})
    conn.execute("INSERT INTO temp.chart_key VALUES (?, ?, ?)", key)


@dataclass(slots=True)
class ChatList:
    """The first `limit` chats (families) in the chosen order, with their sub-agent chats attached."""

    chats: list[Chat]
    total: int  # families that match the filter
    reminded: int = 0  # fresh-chat and cache reminders shown in the range
    followed: int = 0  # of those, followed by a new chat in the same project within 30 minutes


def _build(rows: list[tuple[Any, ...]]) -> list[Chat]:
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
    from tokenpulse.store.reminders import follow_rate

    lo, hi = rng.window_ms(tz)
    reminded, followed = follow_rate(conn, lo, hi)
    listed = _build(rows)
    by_model: dict[str, int | None] = {}
    for chat in listed:  # the windows of the listed chats only (at most `limit` families)
        for k in [chat, *chat.children]:
            k.context_window = chat_window_of(conn, k.source, k.session_key, k.models, by_model)
    return ChatList(listed, rows[0][15] if rows else 0, reminded, followed)


def chats_table(items: list[Chat], tz: ZoneInfo) -> tuple[list[str], list[list[object]]]:
    """CSV rows: every chat, sub-agent chats after their parent (with its session in parent_session)."""
    head = ["start", "agent", "project", "session", "parent_session", "models", "calls", "output", "cost_usd",
            "peak_context", "waste_share"]
    rows: list[list[object]] = []
    for c in items:
        for k in [c, *c.children]:
            share = k.waste_share
            rows.append([local_time(k.start_ms, tz), k.source, k.project, k.session_key, k.parent_key or "",
                         " ".join(k.models), k.calls, k.output, round_usd(k.cost), k.peak_context,
                         None if share is None else round(share, 4)])
    return head, rows


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
    context_window: int | None = None  # tokens of the last call's model window (insights.context_windows)

    def share(self, context: int) -> float | None:
        """A context as a share of the chat's window; None when it is unknown."""
        return share(context, self.context_window)

    def table(self, tz: ZoneInfo) -> tuple[list[str], list[list[object]]]:
        head = ["call", "time", "context", "output", "waste", "cumulative_cost_usd"]
        return head, [[i + 1, local_time(t, tz), c, o, w, round(k, 6)] for i, (t, c, o, w, k) in enumerate(
            zip(self.ts_ms, self.context, self.output, self.waste, self.cumulative_cost))]


def chat_curve(conn: sqlite3.Connection, session_id: int, recap_allowance: int) -> Curve:
    ts, ctx, out, cum = [], [], [], []
    running, unpriced, model = 0.0, 0, None
    for t, inp, cw, cr, o, cost, call_model in conn.execute(
            "SELECT ts_ms, input, cache_write_5m + cache_write_1h, cache_read, output, cost_usd, model FROM api_call"
            " WHERE session_id = ? ORDER BY ts_ms, id", (session_id,)):  # ix_api_call_session_ts
        ts.append(t)
        model = call_model  # the last call's model names the window, as for the live chat
        ctx.append(inp + cw + cr)
        out.append(o)
        if cost is None:
            unpriced += 1
        else:
            running += cost
        cum.append(running)
    floor = ctx[0] if ctx else 0
    chat = conn.execute("SELECT source, session_key FROM chat_session WHERE id = ?", (session_id,)).fetchone()
    window = None if chat is None else window_for(conn, chat[0], chat[1], model)  # the summary's window
    return Curve(session_id, ts, ctx, out, [waste_of(c, floor, recap_allowance) for c in ctx], cum, floor,
                 recap_allowance, unpriced, window)


# --- projects -----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Project:
    name: str  # the working folder; '' when unknown
    calls: int = 0
    output: int = 0
    cost: float | None = None
    chat_count: int = 0  # chats (sub-agent chats included) with calls in this folder
    chats: list[Chat] = field(default_factory=list)  # its costliest chats, sub-agents folded in
    waste_cost: float | None = None  # long-chat waste of its calls in the range

    @property
    def waste_share(self) -> float | None:
        """Waste share (insights.waste) of the project's calls in the range."""
        return waste_share(self.waste_cost, self.cost)


def projects(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, top: int = 15) -> list[Project]:
    """Per project folder (as the CLI groups it: each chat under its own folder), most output first, each with
    its costliest chats: the families it heads, and sub-agent chats whose parent worked in another folder."""
    _members(conn, tz, rng)
    found: dict[str, Project] = {}
    for name, calls, output, cost, count, waste in conn.execute(
            "SELECT project, sum(calls), sum(output), sum(cost), count(*), sum(range_waste) FROM temp.chart_m"
            " GROUP BY project"):
        found[name] = Project(name, calls, output, cost, count, waste_cost=waste)
    # each folder's costliest families (an index and a short read per folder: a window over every family cost
    # several times more), and the sub-agent chats whose parent worked in another folder
    conn.execute("CREATE INDEX IF NOT EXISTS temp.chart_f_project ON chart_f (project, cost)")
    listed: list[tuple[str, float, int]] = []  # (project, rank cost, listed chat)
    for name in found:
        listed += [(name, cost, sid) for sid, cost in conn.execute(
            "SELECT family, coalesce(cost, 0) FROM temp.chart_f WHERE project = ?"
            " ORDER BY coalesce(cost, 0) DESC, family LIMIT ?", (name, top))]
    listed += conn.execute(
        "SELECT m.project, coalesce(m.cost, 0), m.sid FROM temp.chart_m m JOIN temp.chart_m h ON h.sid = m.family"
        " WHERE m.sid <> m.family AND h.project <> m.project").fetchall()
    ranks: dict[int, tuple[str, int]] = {}
    by_project: dict[str, list[tuple[float, int]]] = {}
    for name, cost, sid in listed:
        by_project.setdefault(name, []).append((cost, sid))
    for name, items in by_project.items():
        for rn, (_cost, sid) in enumerate(sorted(items, key=lambda c: (-c[0], c[1]))[:top], start=1):
            ranks[sid] = (name, rn)
    conn.execute("DROP TABLE IF EXISTS temp.chart_listed")
    conn.execute("CREATE TEMP TABLE chart_listed (sid INTEGER PRIMARY KEY, project TEXT, rn INT)")
    conn.executemany("INSERT INTO temp.chart_listed VALUES (?, ?, ?)",
                     [(sid, name, rn) for sid, (name, rn) in ranks.items()])
    rows = conn.execute(
        f"SELECT {_COLUMNS}, r.project, r.rn, r.sid FROM temp.chart_listed r JOIN temp.chart_m m ON m.sid = r.sid"
        " UNION ALL"
        f" SELECT {_COLUMNS}, r.project, r.rn, r.sid FROM temp.chart_listed r JOIN temp.chart_m m"
        " ON m.family = r.sid WHERE m.sid <> r.sid").fetchall()
    rows.sort(key=lambda r: (r[15], r[16], r[0] != r[17], r[6]))  # listing, then its head, then by start
    listings: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for row in rows:
        listed = row[17]
        member = (*row[:14], listed) if row[0] == listed else row[:15]  # the listed chat heads its entry
        listings.setdefault((row[15], row[16]), []).append(member)
    for (project, _rn), members in sorted(listings.items()):
        found[project].chats.extend(_build(members))
    return sorted(found.values(), key=lambda p: (-p.output, p.name))


def projects_table(items: list[Project]) -> tuple[list[str], list[list[object]]]:
    return (["project", "calls", "output", "cost_usd", "chats", "waste_cost_usd", "waste_share"],
            [[p.name, p.calls, p.output, round_usd(p.cost), p.chat_count, round_usd(p.waste_cost),
              None if p.waste_share is None else round(p.waste_share, 4)] for p in items])


