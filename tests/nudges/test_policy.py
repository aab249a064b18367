"""The nudge policy on a fake clock: thresholds, once per chat, snooze, quiet hours, grace, cache expiry, budgets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tokenpulse.clock import FakeClock
from tokenpulse.config.settings import Reminders, with_changes
from tokenpulse.insights.facts import ChatSnapshot, SpendSnapshot
from tokenpulse.nudges.budgets import projection
from tokenpulse.nudges.policy import PolicyState, evaluate, snooze
from tokenpulse.nudges.timing import in_quiet_hours

UTC = ZoneInfo("UTC")
MIN = 60_000
R = Reminders()  # T = 100k, G = 4, 8 calls, recap 5k


def _clock(hh: int = 12, mm: int = 0) -> FakeClock:
    return FakeClock(datetime(2026, 4, 11, hh, mm, tzinfo=timezone.utc))


def _chat(now: int, context: int = 115_000, *, calls: int = 8, first: int = 10_000, idle_ms: int = MIN,
          one_hour: bool = False, sid: int = 7) -> ChatSnapshot:
    return ChatSnapshot(session_id=sid, agent="Claude Code", project="/home/u/shop", calls=calls,
                        first_context=first, context=context, last_ms=now - idle_ms, first_cost=0.05,
                        last_cost=0.41, read_price=1e-6, write_price=6e-6, one_hour_cache=one_hour)


def _started(now: int) -> PolicyState:
    return PolicyState(started_ms=now - 60 * MIN)  # long past the start-up grace


def _run(now: int, chats: list[ChatSnapshot], state: PolicyState, r: Reminders = R,
         spend: SpendSnapshot | None = None, tz: ZoneInfo = UTC) -> tuple[list[str], PolicyState]:
    nudges, state = evaluate(now, chats, spend, r, tz, state)
    return [n.key for n in nudges], state


# --- fresh chat -------------------------------------------------------------------------------------------

def test_fresh_chat_fires_at_threshold_with_concrete_text() -> None:
    now = _clock().now_ms()
    nudges, _ = evaluate(now, [_chat(now)], None, R, UTC, _started(now))
    assert [n.key for n in nudges] == ["fresh_chat:7:1"]
    body = nudges[0].body
    for part in ("Claude Code · shop", "each message re-reads 115k tokens ≈ $0.11",  # 115k × $1/M
                 "a fresh chat would re-read about 15k",  # F + R
                 "Over the next 10 messages a fresh chat saves ≈ $1.00"):  # (115k − 15k) × $1/M × 10
        assert part in body, body


def test_the_reminder_argues_with_what_is_re_read_not_with_the_first_message() -> None:
    """The first call of a Claude chat writes its context to the cache at the dearer write price, so "a message
    costs $0.05 now vs $0.09 at the start" argued that the long chat had become cheaper. The argument is what
    each message re-reads, priced as billed (a long-context tier too), against a fresh chat, and the action."""
    now = _clock().now_ms()
    chat = replace(_chat(now, context=250_000), first_cost=0.09, last_cost=0.05, read_price=2e-6,
                   fresh_read_price=1e-6, fresh_chat_hint="/clear with a short brief, or /compact")
    nudges, _ = evaluate(now, [chat], None, R, UTC, _started(now))
    body = nudges[0].body
    assert "at the start" not in body and "$0.09" not in body
    assert "each message re-reads 250k tokens ≈ $0.50" in body  # billed at the >200k tier's $2/M
    assert "a fresh chat would re-read about 15k ≈ $0.015" in body  # at the base $1/M
    assert "saves ≈ $4.85" in body  # (250k × 2 − 15k × 1) / 1M × 10
    assert "In Claude Code: /clear with a short brief, or /compact." in body


@pytest.mark.parametrize("chat_kw", [
    {"context": 99_999},  # below T
    {"calls": 7},  # too few calls
    {"first": 30_000},  # 115k < G × F = 120k
    {"idle_ms": 11 * MIN},  # not live
])
def test_fresh_chat_needs_every_condition(chat_kw: dict[str, int]) -> None:
    now = _clock().now_ms()
    keys, _ = _run(now, [_chat(now, **chat_kw)], _started(now))
    assert [k for k in keys if k.startswith("fresh_chat")] == []


def test_fresh_chat_rule_can_be_switched_off() -> None:
    now = _clock().now_ms()
    assert _run(now, [_chat(now)], _started(now), with_changes(R, fresh_chat=False))[0] == []


def test_once_per_chat_then_once_more_at_2T_then_never() -> None:
    clock = _clock()
    state = _started(clock.now_ms())
    keys, state = _run(clock.now_ms(), [_chat(clock.now_ms())], state)
    assert keys == ["fresh_chat:7:1"]
    for context in (150_000, 199_999):
        clock.advance(60)
        keys, state = _run(clock.now_ms(), [_chat(clock.now_ms(), context)], state)
        assert keys == []
    clock.advance(60)
    keys, state = _run(clock.now_ms(), [_chat(clock.now_ms(), 200_000)], state)
    assert keys == ["fresh_chat:7:2"]
    for context in (250_000, 400_000, 900_000):
        clock.advance(60)
        keys, state = _run(clock.now_ms(), [_chat(clock.now_ms(), context)], state)
        assert keys == []
    # another chat still gets its own reminder
    keys, state = _run(clock.now_ms(), [_chat(clock.now_ms(), sid=8)], state)
    assert keys == ["fresh_chat:8:1"]


def test_a_jump_straight_past_2T_gives_one_reminder_not_two() -> None:
    now = _clock().now_ms()
    keys, state = _run(now, [_chat(now, 250_000)], _started(now))
    assert keys == ["fresh_chat:7:2"]
    assert _run(now + MIN, [_chat(now + MIN, 250_000)], state)[0] == []
    assert "fresh_chat:7:1" in state.fired


# --- snooze, quiet hours, grace ------------------------------------------------------------------------------

def test_snooze_silences_until_its_time_then_the_reminder_comes() -> None:
    clock = _clock()
    state = snooze(_started(clock.now_ms()), clock.now_ms() + 30 * MIN)
    assert _run(clock.now_ms(), [_chat(clock.now_ms())], state)[0] == []
    clock.advance(29 * 60)
    assert _run(clock.now_ms(), [_chat(clock.now_ms())], state)[0] == []
    clock.advance(60)
    assert _run(clock.now_ms(), [_chat(clock.now_ms())], state)[0] == ["fresh_chat:7:1"]


@pytest.mark.parametrize(("hh", "mm", "quiet"), [
    (21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (3, 0, True), (6, 59, True), (7, 0, False),
    (12, 0, False),
])
def test_quiet_hours_wrap_past_midnight(hh: int, mm: int, quiet: bool) -> None:
    now = _clock(hh, mm).now_ms()
    assert in_quiet_hours(now, UTC, "22:00", "07:00") is quiet
    r = with_changes(R, quiet_start="22:00", quiet_end="07:00")
    assert (_run(now, [_chat(now)], _started(now), r)[0] == []) is quiet


def test_quiet_hours_within_one_day_and_in_the_local_zone() -> None:
    assert in_quiet_hours(_clock(12, 30).now_ms(), UTC, "12:00", "13:00")
    assert not in_quiet_hours(_clock(13, 0).now_ms(), UTC, "12:00", "13:00")
    assert not in_quiet_hours(_clock(12, 30).now_ms(), UTC, None, "13:00")
    # 20:30 UTC is 22:30 in Paris (CEST in April): quiet there, not in UTC
    paris = ZoneInfo("Europe/Paris")
    assert in_quiet_hours(_clock(20, 30).now_ms(), paris, "22:00", "07:00")
    assert not in_quiet_hours(_clock(20, 30).now_ms(), UTC, "22:00", "07:00")
    with pytest.raises(ValueError):
        in_quiet_hours(0, UTC, "25h", "07:00")


def test_start_up_grace_lets_the_backfill_pass_silently() -> None:
    clock = _clock()
    state = PolicyState(started_ms=clock.now_ms())
    clock.advance(30)
    assert _run(clock.now_ms(), [_chat(clock.now_ms())], state)[0] == []
    clock.advance(120)
    assert _run(clock.now_ms(), [_chat(clock.now_ms())], state)[0] == ["fresh_chat:7:1"]


def test_state_survives_a_restart_through_json() -> None:
    now = _clock().now_ms()
    _, state = _run(now, [_chat(now)], _started(now))
    restarted = PolicyState.from_json(state.to_json(), started_ms=now)
    assert _run(now + 5 * MIN, [_chat(now + 5 * MIN)], restarted)[0] == []
    # keys older than any period are forgotten
    assert PolicyState.from_json(state.to_json(), started_ms=now + 41 * 24 * 60 * MIN).fired == {}


# --- cache expiry -------------------------------------------------------------------------------------------

def test_cache_expiry_5_minutes_once_per_idle_period() -> None:
    clock = _clock()
    state = _started(clock.now_ms())
    last = clock.now_ms()
    chat = replace(_chat(last, 150_000, calls=3), last_ms=last)  # too few calls for a fresh-chat reminder
    clock.advance(4 * 60 + 59)
    assert _run(clock.now_ms(), [chat], state)[0] == []
    clock.advance(2)
    nudges, state = evaluate(clock.now_ms(), [chat], None, R, UTC, state)
    assert [n.key for n in nudges] == [f"cache_expired:7:{last}"]
    assert "5 minutes" in nudges[0].body and "150k tokens" in nudges[0].body
    assert "about $0.90" in nudges[0].body  # 150k × $6/M cache-write price
    clock.advance(60)
    assert _run(clock.now_ms(), [chat], state)[0] == []
    # the user came back, then went idle again: a new idle period, a new reminder
    chat = replace(chat, last_ms=clock.now_ms())
    clock.advance(6 * 60)
    assert _run(clock.now_ms(), [chat], state)[0] == [f"cache_expired:7:{chat.last_ms}"]


def test_cache_expiry_1_hour_cache() -> None:
    clock = _clock()
    state = _started(clock.now_ms())
    chat = replace(_chat(clock.now_ms(), 150_000, calls=3, one_hour=True), last_ms=clock.now_ms())
    clock.advance(6 * 60)
    assert _run(clock.now_ms(), [chat], state)[0] == []
    clock.advance(55 * 60)
    nudges, _ = evaluate(clock.now_ms(), [chat], None, R, UTC, state)
    assert [n.rule for n in nudges] == ["cache_expired"] and "1 hour" in nudges[0].body


def test_cache_expiry_skips_small_chats_old_history_and_the_switch() -> None:
    clock = _clock()
    now = clock.now_ms()
    small = _chat(now, 99_000, calls=3, idle_ms=6 * MIN)
    assert _run(now, [small], _started(now))[0] == []
    big = _chat(now, 150_000, calls=3, idle_ms=6 * MIN)
    assert _run(now, [big], _started(now), with_changes(R, cache_expiry=False))[0] == []
    # expired (5 min ago) before the app started (3 min ago): history, not news
    older = _chat(now, 150_000, calls=3, idle_ms=10 * MIN)
    assert _run(now, [older], PolicyState(started_ms=now - 3 * MIN))[0] == []
    assert _run(now, [older], PolicyState(started_ms=now - 6 * MIN))[0] == [f"cache_expired:7:{now - 10 * MIN}"]
    # and long after expiry it is no longer news either
    assert _run(now, [_chat(now, 150_000, calls=3, idle_ms=70 * MIN)], _started(now))[0] == []


# --- budgets ------------------------------------------------------------------------------------------------

def _spend(now: int, **kw: float) -> SpendSnapshot:
    april = int(datetime(2026, 4, 1, tzinfo=timezone.utc).timestamp() * 1000)
    may = int(datetime(2026, 5, 1, tzinfo=timezone.utc).timestamp() * 1000)
    base: dict[str, object] = {"day_key": "2026-04-11", "week_key": "2026-W15", "month_key": "2026-04",
                               "day_cost": 0.0, "week_cost": 0.0, "month_cost": 0.0, "day_output": 0,
                               "month_start_ms": april, "month_end_ms": may}
    base.update(kw)
    return SpendSnapshot(**base)  # type: ignore[arg-type]


def test_daily_budget_at_80_and_100_percent_once_each() -> None:
    now = _clock().now_ms()
    r = with_changes(R, daily_budget_usd=10.0)
    state = _started(now)
    keys, state = _run(now, [], state, r, _spend(now, day_cost=7.99))
    assert keys == []
    keys, state = _run(now, [], state, r, _spend(now, day_cost=8.0))
    assert keys == ["budget:day:2026-04-11:80"]
    keys, state = _run(now, [], state, r, _spend(now, day_cost=9.5))
    assert keys == []
    nudges, state = evaluate(now, [], _spend(now, day_cost=10.0), r, UTC, state)
    assert [n.key for n in nudges] == ["budget:day:2026-04-11:100"]
    assert "$10.00 of your daily budget of $10.00 (100%)" in nudges[0].body
    assert _run(now, [], state, r, _spend(now, day_cost=30.0))[0] == []
    # a new day is a new period
    assert _run(now, [], state, r, _spend(now, day_key="2026-04-12", day_cost=8.0))[0] == [
        "budget:day:2026-04-12:80"]


def test_weekly_budget_jump_past_100_gives_one_reminder() -> None:
    now = _clock().now_ms()
    r = with_changes(R, weekly_budget_usd=50.0)
    keys, state = _run(now, [], _started(now), r, _spend(now, week_cost=60.0))
    assert keys == ["budget:week:2026-W15:100"]
    assert _run(now, [], state, r, _spend(now, week_cost=61.0))[0] == []


def test_monthly_projection_at_current_pace() -> None:
    # 10 of April's 30 days gone, $137.33 spent → $412 by month end
    now = int(datetime(2026, 4, 11, tzinfo=timezone.utc).timestamp() * 1000)
    spend = _spend(now, month_cost=137.33)
    assert projection(spend, now) == pytest.approx(411.99)
    r = with_changes(R, monthly_budget_usd=300.0)
    nudges, state = evaluate(now, [], spend, r, UTC, _started(now))
    assert [n.key for n in nudges] == ["budget_pace:2026-04"]
    assert "At this pace $412 this month; budget $300." in nudges[0].body
    assert evaluate(now + MIN, [], spend, r, UTC, state)[0] == []
    # at 80 % of the budget the reminder carries the projection too
    nudges, _ = evaluate(now, [], _spend(now, month_cost=240.0), r, UTC, state)
    assert [n.key for n in nudges] == ["budget:month:2026-04:80"]
    assert "At this pace $720 this month; budget $300." in nudges[0].body


def test_projection_waits_for_enough_of_the_month_and_stays_quiet_under_budget() -> None:
    r = with_changes(R, monthly_budget_usd=300.0)
    early = int(datetime(2026, 4, 3, tzinfo=timezone.utc).timestamp() * 1000)
    assert _run(early, [], _started(early), r, _spend(early, month_cost=50.0))[0] == []
    now = int(datetime(2026, 4, 11, tzinfo=timezone.utc).timestamp() * 1000)
    assert _run(now, [], _started(now), r, _spend(now, month_cost=90.0))[0] == []  # $270 projected


def test_output_goal_at_80_and_100_percent() -> None:
    now = _clock().now_ms()
    r = with_changes(R, daily_output_goal=100_000)
    keys, state = _run(now, [], _started(now), r, _spend(now, day_output=80_000))
    assert keys == ["output_goal:2026-04-11:80"]
    keys, state = _run(now, [], state, r, _spend(now, day_output=100_000))
    assert keys == ["output_goal:2026-04-11:100"]
    assert _run(now, [], state, r, _spend(now, day_output=150_000))[0] == []
