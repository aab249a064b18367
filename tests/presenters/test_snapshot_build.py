"""The Snapshot built from a real store: local today and week, 14 output days with zeros, the live chat."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import claude_line, make_workspace, write_lines
from tokenpulse.clock import zone
from tokenpulse.snapshot import SPARK_DAYS, Snapshot, build, live_chat, next_midnight_ms

NY = ZoneInfo("America/New_York")


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _line(n: int, ts: str, output: int, *, session: str = "s1", inp: int = 10, cw: int = 0, cr: int = 0,
          **kw: object) -> str:
    return claude_line(msg_id=f"m{n}", req_id=f"r{n}", output=output, input=inp, cache_write=cw, cache_read=cr,
                       ts=ts, session=session, **kw)


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    workspace = make_workspace(tmp_path, claude=tmp_path / "claude")
    yield workspace
    workspace.close()


def _store(ws, tmp_path: Path, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/p/s.jsonl", lines)
    ws.scan()


def test_today_and_week_are_local_days(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Wednesday 2026-03-04, 09:00 in New York (14:00 UTC)
    now = _ms("2026-03-04T14:00:00Z")
    _store(ws, tmp_path, [
        _line(1, "2026-03-04T04:59:00Z", 1),       # Tuesday 23:59 in New York: this week, not today
        _line(2, "2026-03-04T05:00:00Z", 20),      # Wednesday 00:00 local: today
        _line(3, "2026-03-04T13:00:00Z", 300, cw=1000, cr=50_000),
        _line(4, "2026-03-02T05:00:00Z", 4000),    # Monday 00:00 local: first instant of the week
        _line(5, "2026-03-02T04:59:00Z", 50_000),  # Sunday 23:59 local: last week
    ])
    snap = build(ws.conn, now, NY)
    assert snap.day == "2026-03-04" and snap.tz == "America/New_York"
    assert (snap.today.calls, snap.today.output_tokens, snap.today.cache_read_tokens,
            snap.today.cache_write_tokens, snap.today.input_tokens) == (2, 320, 50_000, 1000, 20)
    assert (snap.week.calls, snap.week.output_tokens) == (4, 4321)
    assert snap.today.cost_usd is not None and snap.today.cost_usd > 0


def test_sparkline_has_fourteen_days_with_zero_days(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = _ms("2026-03-14T12:00:00Z")
    _store(ws, tmp_path, [_line(1, "2026-03-14T10:00:00Z", 7), _line(2, "2026-03-01T10:00:00Z", 5),
                          _line(3, "2026-02-28T10:00:00Z", 99), _line(4, "2026-03-10T10:00:00Z", 3)])
    snap = build(ws.conn, now, ZoneInfo("UTC"))
    assert len(snap.spark_days) == len(snap.spark_output) == SPARK_DAYS
    assert (snap.spark_days[0], snap.spark_days[-1]) == ("2026-03-01", "2026-03-14")
    assert snap.spark_output == (5, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 7)


def test_live_chat_is_the_latest_chat_within_ten_minutes(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _store(ws, tmp_path, [
        _line(1, "2026-03-04T13:00:00Z", 10, session="old", inp=5, cw=8000, cr=0),
        _line(2, "2026-03-04T13:30:00Z", 10, session="s1", inp=3, cw=2000, cr=10_000, cwd="/home/u/app"),
        _line(3, "2026-03-04T13:52:00Z", 10, session="s1", inp=4, cw=1000, cr=90_000, cwd="/home/u/app"),
    ])
    live = live_chat(ws.conn, _ms("2026-03-04T14:00:00Z"))
    assert live is not None
    assert (live.agent, live.project, live.calls) == ("Claude Code", "/home/u/app", 2)
    assert (live.context_tokens, live.first_context_tokens) == (91_004, 12_003)
    assert live.last_cost_usd is not None and live.first_cost_usd is not None
    assert live.last_cost_usd > live.first_cost_usd  # the long-chat waste, in dollars per message
    assert live.last_ms == _ms("2026-03-04T13:52:00Z")
    assert live_chat(ws.conn, _ms("2026-03-04T14:02:01Z")) is None  # quiet for more than 10 minutes


def test_a_sub_agents_activity_shows_its_parent_chat(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _store(ws, tmp_path, [
        _line(1, "2026-03-04T13:55:00Z", 10, session="main", cr=40_000),
        _line(2, "2026-03-04T13:58:00Z", 10, session="main", cr=1, sidechain=True, agent_id="a1"),
    ])
    live = live_chat(ws.conn, _ms("2026-03-04T14:00:00Z"))
    assert live is not None and live.context_tokens == 40_010 and live.calls == 1


def test_empty_snapshot_and_helpers() -> None:
    snap = Snapshot.empty(_ms("2026-03-04T14:00:00Z"), ZoneInfo("UTC"))
    assert snap.today.calls == 0 and snap.spark_output == (0,) * SPARK_DAYS and not snap.ready
    assert snap.spark_days[-1] == "2026-03-04"
    assert next_midnight_ms(_ms("2026-03-04T14:00:00Z"), NY) == _ms("2026-03-05T05:00:00Z")
    assert zone("Europe/Paris").key == "Europe/Paris"
    assert zone("Not/AZone").key  # falls back to the system zone or UTC, never raises


def test_snapshot_is_immutable_and_compares_by_value() -> None:
    a = Snapshot.empty(0, ZoneInfo("UTC"))
    with pytest.raises(AttributeError):
        a.paused = True  # type: ignore[misc]
    assert a.with_state(paused=True) != a and a.with_state(paused=True) == a.with_state(paused=True)


def test_the_weeks_waste_and_facts_and_the_live_chats_waste_so_far(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = _ms("2026-03-04T14:00:00Z")  # a Wednesday
    _store(ws, tmp_path, [
        _line(1, "2026-03-04T13:30:00Z", 10, session="s1", inp=10, cr=10_000),
        _line(2, "2026-03-04T13:40:00Z", 10, session="s1", inp=10, cr=60_000),
        _line(3, "2026-03-04T13:50:00Z", 10, session="s1", inp=10, cr=170_000),  # past 150 k
        _line(4, "2026-02-27T13:50:00Z", 10, session="last-week", inp=10, cr=900_000),
    ])
    snap = build(ws.conn, now, ZoneInfo("UTC"), recap_allowance=5_000)
    read = ws.conn.execute("SELECT sum(read_cost_usd), sum(waste_cost_usd) FROM waste_rollup w"
                           " JOIN chat_session s ON s.id = w.session_id WHERE s.session_key = 's1'").fetchone()
    f = snap.week_facts
    assert f.read_cost == pytest.approx(read[0]) and f.waste_cost == pytest.approx(read[1])  # last week left out
    assert f.waste_tokens == (60_010 - 10_010 - 5_000) + (170_010 - 10_010 - 5_000)
    assert f.long_context_share == pytest.approx(170_000 / 240_000)  # one price: a share of the tokens too
    assert f.long_chat == 0.0 and f.crowded == 0.0  # forty minutes of one chat
    live = snap.live
    assert live is not None and live.waste_tokens == f.waste_tokens and live.waste_cost_usd == pytest.approx(read[1])
    # figures computed with another recap allowance are not this chat's waste now: none rather than wrong ones
    other = build(ws.conn, now, ZoneInfo("UTC"), recap_allowance=0)
    assert other.live is not None and other.live.waste_tokens is None


def test_the_live_chats_re_read_is_priced_as_the_reminder_prices_it(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.pricing.pricer import utc_day

    _store(ws, tmp_path, [
        _line(1, "2026-03-04T13:30:00Z", 10, inp=3, cw=20_000, cr=0),  # a dear first call: a cache write
        _line(2, "2026-03-04T13:52:00Z", 10, inp=4, cw=1000, cr=90_000),
    ])
    now = _ms("2026-03-04T14:00:00Z")
    live = live_chat(ws.conn, now, recap_allowance=7_000, pricer=ws.pricer)
    assert live is not None and live.first_cost_usd is not None and live.last_cost_usd is not None
    model = ws.conn.execute("SELECT model FROM api_call ORDER BY ts_ms DESC LIMIT 1").fetchone()[0]
    rates = ws.pricer.rates(model, utc_day(now))
    assert rates is not None
    assert live.read_price == rates.cache_read_at(91_004) and live.fresh_read_price == rates.cache_read_per_token()
    r = live.reread
    assert (r.tokens, r.fresh_tokens) == (91_004, 20_003 + 7_000)
    assert r.cost == 91_004 * rates.cache_read_at(91_004) and r.cost is not None and r.fresh_cost is not None
    assert r.cost > r.fresh_cost  # the long chat re-reads more, whatever the first message cost
    assert live.fresh_chat_hint  # Claude Code says how to start afresh
    unpriced = live_chat(ws.conn, now)  # without a pricer: tokens only, never a made-up amount
    assert unpriced is not None and unpriced.reread.cost is None and unpriced.reread.fresh_tokens == 20_003 + 5_000
    assert build(ws.conn, now, ZoneInfo("UTC"), pricer=ws.pricer).live == live_chat(ws.conn, now, pricer=ws.pricer)
