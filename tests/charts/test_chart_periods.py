"""Long ranges bucket by week and month without losing a token; waste per day adds up to the chats' waste; the
range's facts; today's day (or week) is partial; agents and models keep their place whatever the range."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chart_history import DAYS, START

from tokenpulse.insights import chart_data, chart_periods, chart_waste
from tokenpulse.insights.chart_data import Daily, DayRange, Sums


def _ro(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data / 'tokenpulse.sqlite3'}?mode=ro", uri=True)


def test_the_unit_follows_the_length_of_the_range() -> None:
    today = date(2026, 3, 15)
    assert chart_periods.unit_for(DayRange(today - timedelta(days=119), today)) == "day"
    assert chart_periods.unit_for(DayRange(today - timedelta(days=120), today)) == "week"
    assert chart_periods.unit_for(DayRange(today - timedelta(days=364), today)) == "week"
    assert chart_periods.unit_for(DayRange(today - timedelta(days=2 * 366), today)) == "month"


def _days(first: date, n: int) -> Daily:
    days = [(first + timedelta(days=i)).isoformat() for i in range(n)]
    totals = []
    for i in range(n):
        s = Sums()
        s.add_row((1, 10, 20, 30 + i, 5 + i, 0, 0.5, 0, 0.1, 0.1, 0.2, 0.1))
        totals.append(s)
    return Daily(days, totals, ["claude-code"], ["m"], {"agent": {"claude-code": [5 + i for i in range(n)]},
                                                        "model": {"m": [5 + i for i in range(n)]}},
                 {"agent": {"claude-code": [0.5] * n}, "model": {"m": [0.5] * n}},
                 waste_tokens=[100] * n, waste_cost=[None if i == 3 else 0.01 for i in range(n)],
                 lengths=[1] * n, partial=[False] * n)


def test_weeks_start_on_monday_keep_every_token_and_mark_cut_and_running_weeks_partial() -> None:
    first, today = date(2026, 1, 7), date(2026, 2, 4)  # a Wednesday to a Wednesday
    d = chart_periods.bucket(_days(first, 29), "week", DayRange(first, today), today)
    assert d.unit == "week" and d.days[0] == "2026-01-05" and all(date.fromisoformat(x).weekday() == 0 for x in d.days)
    assert d.lengths == [7] * 5
    assert d.partial == [True, False, False, False, True]  # cut by the range's first day; today's week
    assert sum(t.output for t in d.totals) == sum(5 + i for i in range(29))
    assert sum(t.cost or 0 for t in d.totals) == pytest.approx(29 * 0.5)
    assert sum(d.output_by["agent"]["claude-code"]) == sum(5 + i for i in range(29))
    assert sum(d.waste_tokens) == 2_900 and sum(c or 0 for c in d.waste_cost) == pytest.approx(28 * 0.01)
    assert d.totals[0].calls == 5  # Wed 7 … Sun 11


def test_months_have_their_own_lengths() -> None:
    first = date(2024, 1, 1)
    last = date(2026, 2, 10)
    d = chart_periods.bucket(_days(first, (last - first).days + 1), "month", DayRange(first, last), last)
    assert d.days[:3] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert d.lengths[:3] == [31, 29, 31] and d.lengths[-1] == 28
    assert d.partial[-1] and not any(d.partial[:-1])


def test_overview_adds_waste_per_day_equal_to_the_chats_and_marks_today(history_store: Path) -> None:
    conn = _ro(history_store)
    try:
        today = START + timedelta(days=20)
        rng = DayRange(START, today)
        d = chart_periods.overview(conn, ZoneInfo("UTC"), rng, today)
        assert d.unit == "day" and d.partial == [day == today.isoformat() for day in d.days]
        lo, hi = rng.window_ms(ZoneInfo("UTC"))
        tokens, cost = conn.execute("SELECT sum(waste_tokens), sum(waste_cost_usd) FROM waste_rollup"
                                    " WHERE bucket_ms >= ? AND bucket_ms < ?", (lo, hi)).fetchone()
        assert tokens > 0 and sum(d.waste_tokens) == tokens
        assert sum(c or 0 for c in d.waste_cost) == pytest.approx(cost)
        every = chart_periods.overview(conn, ZoneInfo("UTC"), DayRange(START, START + timedelta(days=DAYS)))
        stats = conn.execute("SELECT sum(waste_tokens) FROM chat_stats").fetchone()[0]
        assert sum(every.waste_tokens) == stats  # every chat's waste, day by day
        facts = every.facts
        read = conn.execute("SELECT sum(read_cost_usd) FROM waste_rollup").fetchone()[0]
        assert facts.read_cost == pytest.approx(read)
        assert facts.long_context == 0.0 and facts.long_chat == 0.0  # small contexts, short chats
        assert facts.crowded is not None and 0 <= facts.crowded <= facts.read_cost
        alone = chart_waste.range_facts(conn, ZoneInfo("UTC"), DayRange(START, START + timedelta(days=DAYS)))
        for name in ("read_cost", "long_context", "long_chat", "crowded", "waste_cost"):  # one read, same facts
            assert getattr(facts, name) == pytest.approx(getattr(alone, name)), name
        assert facts.waste_tokens == alone.waste_tokens
    finally:
        conn.close()


def test_agents_and_models_keep_their_order_whatever_the_range(history_store: Path) -> None:
    conn = _ro(history_store)
    try:
        tz = ZoneInfo("UTC")
        orders = set()
        for n in (3, 10, DAYS):
            d = chart_data.daily(conn, tz, DayRange(START, START + timedelta(days=n)))
            place = {m: i for i, m in enumerate(m for _a, m in d.catalogue)}
            assert d.models == sorted(d.models, key=place.__getitem__)
            orders.add(tuple(d.agents))
        assert orders == {("claude-code", "codex")}
    finally:
        conn.close()
