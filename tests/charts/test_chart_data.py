"""The charts' numbers (Qt-free) equal the CLI's reports, day by day, in UTC and in quarter-hour zones."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chart_history import DAYS, NOW, START, active_days
from chart_stores import open_workspace

from helpers import cli_json
from tokenpulse.insights import chart_chats, chart_data
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.store import rollups

KEYS = ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def cli_days(capsys: pytest.CaptureFixture[str], tz: str) -> dict[str, dict[str, float]]:
    """`tokenpulse daily --json` summed per day over sources and models."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in cli_json(capsys, "daily", "--json", "--no-scan", "--tz", tz):
        day = out[row["date"]]
        for k in KEYS:
            day[k] += row[k]
        day["cost_usd"] += row["cost_usd"] or 0.0
        day[f"output:{row['source']}"] += row["output_tokens"]
    return out


def _ro(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data / 'tokenpulse.sqlite3'}?mode=ro", uri=True)


def _check_daily(d: chart_data.Daily, cli: dict[str, dict[str, float]]) -> None:
    shown = {day: t for day, t in zip(d.days, d.totals) if t.calls}
    assert set(shown) == set(cli)
    for day, t in shown.items():
        want = cli[day]
        got = (t.calls, t.input, t.cache_write, t.cache_read, t.output, t.reasoning)
        assert got == tuple(int(want[k]) for k in KEYS), day
        assert t.cost == pytest.approx(want["cost_usd"], abs=1e-6)
        for source, series in d.output_by["agent"].items():
            assert series[d.index(day)] == want.get(f"output:{source}", 0)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/St_Johns"])
def test_daily_equals_cli_in_any_zone(history_store: Path, capsys: pytest.CaptureFixture[str], zone: str) -> None:
    """+5:45 and -3:30/-2:30 (with DST): quarter-hour buckets still land on the right local day."""
    tz = ZoneInfo(zone)
    cli = cli_days(capsys, zone)
    rng = DayRange(START - timedelta(days=2), START + timedelta(days=DAYS + 2))
    conn = _ro(history_store)
    try:
        fast = rollups.local_zone(conn) == zone
        _check_daily(chart_data.daily(conn, tz, rng), cli)  # the local-hour table only in the store's zone
    finally:
        conn.close()
    assert fast == (zone == "UTC")
    # the same zone kept in the local-hour table (settings changed) gives the same numbers
    ws = open_workspace(history_store, Path("/nonexistent"), Path("/nonexistent"), history_store, timezone=zone)
    with ws.lock:
        ws.bring_up_to_date()  # what the app's worker does first after new settings
    ws.close()
    conn = _ro(history_store)
    try:
        assert rollups.local_zone(conn) == zone
        _check_daily(chart_data.daily(conn, tz, rng), cli)
    finally:
        conn.close()


def test_days_are_zero_filled(history_store: Path) -> None:
    conn = _ro(history_store)
    try:
        rng = chart_data.preset_range("all", NOW.date(), chart_data.data_days(conn, ZoneInfo("UTC"))[0])
        d = chart_data.daily(conn, ZoneInfo("UTC"), rng)
    finally:
        conn.close()
    assert d.days[0] == START.isoformat() and d.days[-1] == NOW.date().isoformat()
    assert len(d.days) == (NOW.date() - START).days + 1
    active = {day.isoformat() for day in active_days()} | {(day + timedelta(days=1)).isoformat()
                                                           for i, day in enumerate(active_days()) if i % 2 == 0}
    for i, (day, t) in enumerate(zip(d.days, d.totals)):
        assert (t.calls > 0) == (day in active), day
        if day not in active:
            assert t.output == 0 and t.cost is None
            assert all(series[i] == 0 for series in d.output_by["agent"].values())


def test_preset_ranges() -> None:
    today = date(2026, 3, 15)
    assert chart_data.preset_range("7d", today, None) == DayRange(date(2026, 3, 9), today)
    assert len(chart_data.preset_range("30d", today, None).days()) == 30
    assert len(chart_data.preset_range("1y", today, None).days()) == 365
    assert chart_data.preset_range("all", today, date(2025, 1, 1)).first == date(2025, 1, 1)
    assert chart_data.preset_range("all", today, None) == DayRange(today, today)


def test_chats_projects_and_rhythm_equal_cli(history_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = cli_json(capsys, "sessions", "--json", "--no-scan", "--tz", "UTC")
    projects = cli_json(capsys, "projects", "--json", "--no-scan", "--tz", "UTC")
    conn = _ro(history_store)
    try:
        rng = DayRange(START, NOW.date())
        listed = chart_chats.chats(conn, ZoneInfo("UTC"), rng, limit=None)
        by_project = {p.name: p for p in chart_chats.projects(conn, ZoneInfo("UTC"), rng, top=1000)}
        rhythm = chart_data.rhythm(conn, ZoneInfo("UTC"), rng)
        daily = chart_data.daily(conn, ZoneInfo("UTC"), rng)
    finally:
        conn.close()
    chats = listed.chats
    assert listed.total == len(chats)
    flat = {c.session_key: c for top in chats for c in [top, *top.children]}
    assert len(flat) == len(sessions)
    for s in sessions:
        c = flat[s["session"]]
        assert (c.calls, c.output) == (s["calls"], s["output_tokens"])
        assert c.cost == pytest.approx(s["cost_usd"], abs=1e-6)
        if s["parent_session"]:
            assert c.parent_key == s["parent_session"] and c not in chats  # folded under its parent
    parents = [c for c in chats if c.children]
    assert parents and all(p.family_calls == p.calls + sum(k.calls for k in p.children) for p in parents)
    for row in projects:
        p = by_project[row["project"] or ""]
        assert (p.calls, p.output) == (row["calls"], row["output_tokens"])
        assert p.cost == pytest.approx(row["cost_usd"], abs=1e-6)
    # every chat is listed under exactly one project (sub-agents with their parent unless in another folder)
    listed_keys = [k.session_key for p in by_project.values() for c in p.chats for k in [c, *c.children]]
    assert sorted(listed_keys) == sorted(flat)
    assert sum(p.chat_count for p in by_project.values()) == len(flat)
    assert sum(map(sum, rhythm.output)) == sum(t.output for t in daily.totals)
    assert sum(map(sum, rhythm.calls)) == sum(t.calls for t in daily.totals)


def test_chat_curve_floor_and_waste(history_store: Path) -> None:
    conn = _ro(history_store)
    try:
        sid, first, waste = conn.execute(
            "SELECT session_id, first_context, waste_tokens FROM chat_stats ORDER BY calls DESC LIMIT 1").fetchone()
        curve = chart_chats.chat_curve(conn, sid, 5_000)
    finally:
        conn.close()
    assert curve.floor == first == curve.context[0]
    assert sum(curve.waste) == waste
    assert curve.cumulative_cost == sorted(curve.cumulative_cost)
    head, rows = curve.table(ZoneInfo("UTC"))
    assert head[0] == "call" and len(rows) == len(curve.context)


def test_chats_sorted_filtered_and_cut_in_sql(history_store: Path) -> None:
    conn = _ro(history_store)
    try:
        rng = DayRange(START, NOW.date())
        tz = ZoneInfo("UTC")
        everything = chart_chats.chats(conn, tz, rng, limit=None)
        by_cost = chart_chats.chats(conn, tz, rng, sort="cost", descending=True, limit=5)
        codex = chart_chats.chats(conn, tz, rng, text="CODEX proj-codex")
        nothing = chart_chats.chats(conn, tz, rng, text="no-such-folder")
        partial = chart_chats.chats(conn, tz, DayRange(START + timedelta(days=1), START + timedelta(days=1)))
    finally:
        conn.close()
    costs = sorted((c.family_cost or 0.0 for c in everything.chats), reverse=True)
    assert [c.family_cost for c in by_cost.chats] == pytest.approx(costs[:5])
    assert by_cost.total == everything.total and len(by_cost.chats) == 5
    assert codex.chats and all(c.source == "codex" for c in codex.chats) and codex.total == len(codex.chats)
    assert nothing.total == 0 and nothing.chats == []
    # the chat started the evening before and crosses midnight: only its calls inside the day count
    starts = {c.session_key: c for c in partial.chats}
    crossing = starts[f"chat-{START.isoformat()}-1"]
    assert 0 < crossing.calls < 5


def test_the_listings_temporary_tables_serve_the_next_query_until_the_store_or_range_changes(
        history_store: Path) -> None:
    from tokenpulse.gui.charts.fetcher import open_reader
    from tokenpulse.store.db import connect
    from tokenpulse.store.tx import write_tx

    tz = ZoneInfo("UTC")
    rng = DayRange(START, START + timedelta(days=DAYS))
    conn = open_reader(f"file:{history_store / 'tokenpulse.sqlite3'}?mode=ro")  # as the charts keep it
    try:
        first = chart_chats.chats(conn, tz, rng)
        assert first.chats
        assert not conn.in_transaction  # no snapshot of the store held between queries
        conn.execute("UPDATE temp.chart_m SET output = -1")  # a mark only a rebuild would wipe
        again = chart_chats.projects(conn, tz, rng)  # Projects after Chats, same range, same store: kept
        assert all(p.output < 0 for p in again)
        writer = connect(history_store / "tokenpulse.sqlite3")
        with write_tx(writer):  # any commit by another connection: the store may have changed
            writer.execute("INSERT INTO app_state (key, value) VALUES ('test', '1')")
        writer.close()
        assert all(p.output > 0 for p in chart_chats.projects(conn, tz, rng))
        conn.execute("UPDATE temp.chart_m SET output = -1")
        other = DayRange(START, START + timedelta(days=DAYS - 1))  # another range: built for it
        assert all(c.output >= 0 for c in chart_chats.chats(conn, tz, other).chats)
    finally:
        conn.close()


def test_waste_share_per_project_is_the_waste_of_its_calls_in_the_range(history_store: Path) -> None:
    tz = ZoneInfo("UTC")
    rng = DayRange(START + timedelta(days=10), START + timedelta(days=30))  # chats cross both ends
    lo, hi = rng.window_ms(tz)
    conn = _ro(history_store)
    try:
        found = {p.name: p for p in chart_chats.projects(conn, tz, rng)}
        want = dict(conn.execute(
            "SELECT coalesce(s.project, ''), sum(w.waste_cost_usd) FROM waste_rollup w"
            " JOIN chat_session s ON s.id = w.session_id WHERE w.bucket_ms >= ? AND w.bucket_ms < ?"
            " GROUP BY 1", (lo, hi)).fetchall())
        assert set(found) == set(want)
        for name, waste in want.items():
            p = found[name]
            assert p.waste_cost == pytest.approx(waste)
            assert p.waste_share == pytest.approx(waste / p.cost if p.cost else None)
        head, rows = chart_chats.projects_table(list(found.values()))
        assert head[-2:] == ["waste_cost_usd", "waste_share"]
    finally:
        conn.close()
