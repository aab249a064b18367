"""The immutable Snapshot the tray shows, built from the store: today, this week (with its long-chat waste and where
its cache-read spend went), 14 days of output, the live chat and its waste so far; and, when other devices share
their ledgers, the same totals over every device (the live chat stays this one's)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.chart_waste import spend_facts
from tokenpulse.insights.chat_stats import RatesSource
from tokenpulse.insights.context_windows import window_for
from tokenpulse.insights.live import fresh_chat_hints, read_prices
from tokenpulse.insights.plan_limits import WindowStatus, windows
from tokenpulse.insights.reread import Reread, reread
from tokenpulse.insights.source_health import QuietSource, quiet_sources
from tokenpulse.insights.spend_facts import SpendFacts
from tokenpulse.insights.status_view import LIVE_MS as LIVE_WINDOW_MS  # a chat this recent is "live"
from tokenpulse.insights.status_view import SKEW_MS
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.store.localtime import day_start_ms
from tokenpulse.store.queries import Filter, Totals, by_period, totals
from tokenpulse.store.sync.ledgers import LedgerSet
from tokenpulse.store.sync.scope import DeviceScope

SPARK_DAYS = 14
DEFAULT_CONTEXT_THRESHOLD = 100_000
DEFAULT_RECAP_ALLOWANCE = Reminders().recap_allowance


@dataclass(frozen=True, slots=True)
class LiveChat:
    """The chat being worked in now. Context = input + cache write + cache read of a call."""

    session_id: int
    agent: str  # "Claude Code"
    project: str | None
    calls: int
    context_tokens: int  # of its last call: what the next message will re-read, at least
    first_context_tokens: int
    last_cost_usd: float | None  # cost per message now
    first_cost_usd: float | None  # what a message cost when the chat was fresh
    last_ms: int
    context_window: int | None = None  # tokens of the model's window (insights.context_windows); None: unknown
    waste_tokens: int | None = None  # long-chat waste so far (chat_stats); None until its figures are computed
    waste_cost_usd: float | None = None  # None also when no wasteful call has a known price
    # what each message re-reads now against a fresh chat (insights.reread): USD per cache-read token at this
    # context and at a fresh chat's (None: no known price), and the recap allowance R a fresh chat re-reads too
    read_price: float | None = None
    fresh_read_price: float | None = None
    recap_allowance: int = DEFAULT_RECAP_ALLOWANCE
    fresh_chat_hint: str | None = None  # how to start afresh in this agent ("/clear with a short brief, …")

    @property
    def reread(self) -> Reread:
        """Each message's re-read now against a fresh chat's, as the reminder argues it."""
        return reread(self.context_tokens, self.first_context_tokens, self.recap_allowance, self.read_price,
                      self.fresh_read_price)

    @property
    def context_share(self) -> float | None:
        """The context as a share of the model's window (issue 11 §5); None when the window is unknown."""
        return None if not self.context_window else self.context_tokens / self.context_window


@dataclass(frozen=True, slots=True)
class ImportProgress:
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class DeviceLine:
    """One device of the all-machines picture, for the summary, the menu and `tokenpulse sync`."""

    label: str
    this: bool  # this device (its numbers come from the live store)
    calls: int
    last_call_ms: int | None
    written_ms: int | None  # when the copy in use was written by its device (this device: when last published)
    problem: str | None = None
    device_id: str = ""


@dataclass(frozen=True, slots=True)
class Everywhere:
    """Today, this week and the sparkline summed over every device (this one included)."""

    today: Totals
    week: Totals
    spark_output: tuple[int, ...]
    devices: tuple[DeviceLine, ...]
    ledgers: LedgerSet  # what the charts read for "all machines"
    week_facts: SpendFacts = field(default_factory=SpendFacts)
    limits: tuple[WindowStatus, ...] = ()  # each plan window's newest reading from any device, named (never summed)


@dataclass(frozen=True, slots=True)
class Snapshot:
    now_ms: int
    tz: str  # IANA key of the zone that defines "today" and "this week"
    day: str  # today, local, YYYY-MM-DD
    today: Totals
    week: Totals  # since Monday 00:00 local
    spark_days: tuple[str, ...]  # oldest first, today last
    spark_output: tuple[int, ...]  # output tokens per day, zero days included
    live: LiveChat | None
    # this week's long-chat waste and where its cache-read spend went
    week_facts: SpendFacts = field(default_factory=SpendFacts)
    context_threshold: int = DEFAULT_CONTEXT_THRESHOLD
    fresh_chat_reminders: bool = True
    importing: ImportProgress | None = None
    ready: bool = False  # the first import finished (totals can still grow until then)
    paused: bool = False
    snoozed_until_ms: int | None = None
    problems: tuple[str, ...] = ()
    backups: tuple[tuple[str, str], ...] = ()  # (label, path) of the store's backups, newest first
    everywhere: Everywhere | None = None  # None: no other device shares its ledger
    quiet_sources: tuple[QuietSource, ...] = ()  # agents whose files change but bring no calls (source health)
    limits: tuple[WindowStatus, ...] = ()  # plan windows' latest readings (issue 11)
    limit_icon_percent: float = 50.0  # the icon and tooltip show the tightest window from here on
    context_share: float = 0.0  # the fresh-chat reminder's window rule (0: off)

    @classmethod
    def empty(cls, now_ms: int, tz: ZoneInfo) -> Snapshot:
        """What the tray shows before the worker has read the store."""
        today = local_day(now_ms, tz)
        days = tuple((today - timedelta(days=i)).isoformat() for i in range(SPARK_DAYS - 1, -1, -1))
        return cls(now_ms=now_ms, tz=tz.key, day=today.isoformat(), today=Totals(), week=Totals(),
                   spark_days=days, spark_output=(0,) * SPARK_DAYS, live=None)

    def with_state(self, **changes: object) -> Snapshot:
        return replace(self, **changes)  # type: ignore[arg-type]

    def machines(self, every: bool) -> Snapshot:
        """The picture of this machine, or of every machine (today, week and sparkline summed over devices)."""
        if not every or self.everywhere is None:
            return self
        e = self.everywhere
        return replace(self, today=e.today, week=e.week, spark_output=e.spark_output, week_facts=e.week_facts)

    @property
    def snoozed(self) -> bool:
        return self.snoozed_until_ms is not None and self.now_ms < self.snoozed_until_ms

    @property
    def nudge_pending(self) -> bool:
        """The live chat has grown past the threshold: a fresh chat would be cheaper."""
        return self.fresh_chat_reminders and not self.snoozed and self.context_progress >= 1.0

    @property
    def context_progress(self) -> float:
        """How far the live chat is toward a fresh-chat reminder (1: there), by the nearer of its two rules:
        the context against the threshold, and its share of the model's window against the share setting."""
        live = self.live
        if live is None:
            return 0.0
        by_cost = live.context_tokens / self.context_threshold if self.context_threshold > 0 else 0.0
        share = live.context_share
        by_window = share / self.context_share if share is not None and self.context_share > 0 else 0.0
        return max(by_cost, by_window)

    def tight_limit(self) -> WindowStatus | None:
        """The current plan window closest to its limit, when it is past `limit_icon_percent`."""
        live = [w for w in self.limits if not w.scope and w.current(self.now_ms)]
        tight = max(live, key=lambda w: (w.used_percent, w.window_minutes), default=None)
        return tight if tight is not None and tight.used_percent >= self.limit_icon_percent else None


def local_day(now_ms: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(tz).date()


def next_midnight_ms(now_ms: int, tz: ZoneInfo) -> int:
    """UTC ms of the next local midnight: when "today" turns over."""
    return day_start_ms((local_day(now_ms, tz) + timedelta(days=1)).isoformat(), tz)


def _period_totals(conn: sqlite3.Connection, now_ms: int, tz: ZoneInfo, scope: DeviceScope | None
                   ) -> tuple[Totals, Totals, SpendFacts, tuple[str, ...], tuple[int, ...]]:
    """(today, this week, this week's waste facts, the sparkline's days, output per day) over the devices of
    `scope`."""
    today = local_day(now_ms, tz)
    tomorrow_ms = day_start_ms((today + timedelta(days=1)).isoformat(), tz)
    monday = today - timedelta(days=today.weekday())
    first = today - timedelta(days=SPARK_DAYS - 1)
    days = tuple((first + timedelta(days=i)).isoformat() for i in range(SPARK_DAYS))
    per_day = dict.fromkeys(days, 0)
    for row in by_period(conn, "day", tz, Filter(day_start_ms(days[0], tz), tomorrow_ms, devices=scope),
                         split_model=False):
        if row.period in per_day:
            per_day[row.period] += row.totals.output_tokens
    week_start = day_start_ms(monday.isoformat(), tz)
    return (totals(conn, Filter(day_start_ms(today.isoformat(), tz), tomorrow_ms, devices=scope)),
            totals(conn, Filter(week_start, tomorrow_ms, devices=scope)),
            spend_facts(conn, week_start, tomorrow_ms, scope), days, tuple(per_day[d] for d in days))


def build(conn: sqlite3.Connection, now_ms: int, tz: ZoneInfo, *, context_threshold: int = DEFAULT_CONTEXT_THRESHOLD,
          fresh_chat_reminders: bool = True, context_share: float = 0.0,
          limit_icon_percent: float = 50.0, recap_allowance: int | None = None,
          pricer: RatesSource | None = None) -> Snapshot:
    """Read today, this week, the sparkline and the live chat (priced by `pricer` for its re-read comparison);
    the worker adds its own state afterwards."""
    today, week, facts, days, spark = _period_totals(conn, now_ms, tz, None)
    return Snapshot(
        now_ms=now_ms, tz=tz.key, day=local_day(now_ms, tz).isoformat(), today=today, week=week,
        week_facts=facts, spark_days=days, spark_output=spark,
        live=live_chat(conn, now_ms, recap_allowance=recap_allowance, pricer=pricer),
        context_threshold=context_threshold,
        fresh_chat_reminders=fresh_chat_reminders, quiet_sources=quiet_sources(conn, now_ms), limits=windows(conn),
        limit_icon_percent=limit_icon_percent, context_share=context_share)


def build_everywhere(conn: sqlite3.Connection, scope: DeviceScope, now_ms: int, tz: ZoneInfo,
                     devices: tuple[DeviceLine, ...], ledgers: LedgerSet) -> Everywhere:
    """The totals over every device of `scope` (attached to `conn`), and each plan window's newest reading from any
    of them; live chats stay this device's own."""
    today, week, facts, _days, spark = _period_totals(conn, now_ms, tz, scope)
    return Everywhere(today, week, spark, devices, ledgers, facts, windows(conn, scope))


_EDGE = ("SELECT ts_ms, input + cache_write_5m + cache_write_1h + cache_read, cost_usd, model FROM api_call"
         " WHERE session_id = ? AND ts_ms <= ? ORDER BY ts_ms {order}, id {order} LIMIT 1")  # ix_api_call_session_ts


def live_chat(conn: sqlite3.Connection, now_ms: int, window_ms: int = LIVE_WINDOW_MS,
              recap_allowance: int | None = None, pricer: RatesSource | None = None) -> LiveChat | None:
    """The most recently active chat with a call in the last `window_ms`.

    A sub-agent's calls count as activity of the chat that started it: the person acts on the parent chat.
    Its waste so far is chat_stats' when they were computed with `recap_allowance` up to its latest call; its
    re-read prices are `pricer`'s for its latest call (unknown without one).
    """
    row = conn.execute("SELECT session_id FROM api_call WHERE ts_ms >= ? AND ts_ms <= ?"
                       " ORDER BY ts_ms DESC, id DESC LIMIT 1",
                       (now_ms - window_ms, now_ms + SKEW_MS)).fetchone()  # ix_api_call_ts
    if row is None:
        return None
    session = conn.execute("SELECT id, source, project, parent_key, session_key FROM chat_session WHERE id = ?",
                           (row[0],)).fetchone()
    if session is None:
        return None
    if session[3] is not None:
        parent = conn.execute("SELECT id, source, project, parent_key, session_key FROM chat_session"
                              " WHERE source = ? AND session_key = ?", (session[1], session[3])).fetchone()
        session = parent or session
    sid, source, project = session[0], session[1], session[2]
    first = conn.execute(_EDGE.format(order="ASC"), (sid, now_ms + SKEW_MS)).fetchone()
    last = conn.execute(_EDGE.format(order="DESC"), (sid, now_ms + SKEW_MS)).fetchone()
    if first is None or last is None:
        return None
    calls = conn.execute("SELECT count(*) FROM api_call WHERE session_id = ?", (sid,)).fetchone()[0]
    rates = None if pricer is None or last[3] is None else pricer.rates(last[3], utc_day(int(last[0])))
    read_price, fresh_read_price = read_prices(rates, int(last[1]))
    waste = conn.execute("SELECT waste_tokens, waste_cost_usd, recap_allowance, last_ms FROM chat_stats"
                         " WHERE session_id = ?", (sid,)).fetchone()
    current = (waste is not None and waste[3] == last[0]
               and (recap_allowance is None or waste[2] == recap_allowance))
    return LiveChat(session_id=sid, agent=_agent_label(source), project=project, calls=int(calls),
                    context_tokens=int(last[1]), first_context_tokens=int(first[1]),
                    last_cost_usd=last[2], first_cost_usd=first[2], last_ms=int(last[0]),
                    context_window=window_for(conn, source, session[4], last[3]),
                    waste_tokens=int(waste[0]) if current else None,
                    waste_cost_usd=waste[1] if current else None,
                    read_price=read_price, fresh_read_price=fresh_read_price,
                    recap_allowance=DEFAULT_RECAP_ALLOWANCE if recap_allowance is None else recap_allowance,
                    fresh_chat_hint=fresh_chat_hints().get(source))


def _agent_label(source: str) -> str:
    from tokenpulse.sources import registry

    return next((s.label for s in registry.all_sources() if s.name == source), source)
