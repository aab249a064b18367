"""Tooltip, menu status lines and popup rows: always by token type, with cost; state lines say what runs."""

from __future__ import annotations

import dataclasses

from presenters.factories import NOW, make_snapshot
from tokenpulse.insights.spend_facts import SpendFacts
from tokenpulse.presenters import text
from tokenpulse.snapshot import ImportProgress
from tokenpulse.store.queries import Totals


def test_status_lines_break_usage_down_by_type_with_cost() -> None:
    assert text.status_lines(make_snapshot()) == [
        "Today: $3.40 — output 12.3k",
        "      input 3.4k · cache write 45.6k · cache read 1.2M",
        "This week: $21.10+ — output 92.3k",  # "+": two calls have no known price
        "      input 23.4k · cache write 346k · cache read 9.2M",
        "Live chat: tokenpulse (Claude Code, 42 calls)",
        "      context 84.2k of 100k",
        "      each message re-reads 84.2k · fresh chat 17k",  # no price in this snapshot: tokens only
    ]
    assert max(len(line) for line in text.status_lines(make_snapshot())) <= 64  # a narrow menu


def test_the_live_chats_waste_so_far_in_the_menu_and_the_tooltip() -> None:
    snap = make_snapshot()
    assert snap.live is not None
    snap = snap.with_state(live=dataclasses.replace(snap.live, waste_tokens=1_234_567, waste_cost_usd=0.3704))
    assert text.status_lines(snap)[7] == "      waste so far 1.2M tokens ≈ $0.37"
    assert "waste so far 1.2M tokens ≈ $0.37" in text.tooltip(snap).splitlines()
    assert text.live_waste_line(snap.live) == "Waste so far 1.2M tokens ≈ $0.37"  # type: ignore[arg-type]
    fresh = snap.with_state(live=dataclasses.replace(snap.live, waste_tokens=0, waste_cost_usd=0.0))  # type: ignore[type-var]
    assert "no long-chat waste yet" in text.tooltip(fresh)
    unknown = snap.with_state(live=dataclasses.replace(snap.live, waste_tokens=None))  # type: ignore[type-var]
    assert "waste" not in text.tooltip(unknown)  # not computed yet: nothing rather than a wrong 0


def test_headline_week_waste_and_facts() -> None:
    snap = make_snapshot(week_facts=SpendFacts(read_cost=30.0, long_context=11.4, long_chat=3.6, crowded=16.5,
                                               waste_cost=12.30, waste_tokens=41_000_000))
    assert text.headline(snap) == "Today: 12.3k output · $3.40"
    # waste share is a share of cost (insights.waste): $12.30 of the week's $21.10
    assert text.week_waste(snap) == "Long-chat waste this week: $12.30 · 58 % of cost"
    assert text.week_facts(snap) == ("This week's cache-read spend $30.00: 38 % at > 150 k context"
                                     " · 12 % in chats active > 8 h · 55 % while 3+ chats ran at once")
    empty = make_snapshot(today=Totals(), week=Totals(), week_facts=SpendFacts())
    assert text.headline(empty) == "Today: no calls yet"
    assert text.week_waste(empty) == "Long-chat waste this week: none yet" and text.week_facts(empty) is None
    none = make_snapshot(week_facts=SpendFacts(read_cost=1.0, long_context=0.0, long_chat=0.0, crowded=0.0,
                                               waste_cost=0.0))
    assert text.week_waste(none) == "Long-chat waste this week: none"
    small = make_snapshot(week_facts=SpendFacts(read_cost=1.0, long_context=0.001, long_chat=0.0, crowded=None,
                                                waste_cost=0.01))
    assert text.week_facts(small) == ("This week's cache-read spend $1.00: < 1 % at > 150 k context"
                                      " · 0 % in chats active > 8 h · – while 3+ chats ran at once")


def test_sparkline_dates() -> None:
    assert text.spark_dates(make_snapshot()) == ("Sep 8", "Sep 15", "today")


def test_no_blended_token_total_anywhere() -> None:
    snap = make_snapshot()
    blended = snap.today.input_tokens + snap.today.cache_write_tokens + snap.today.cache_read_tokens \
        + snap.today.output_tokens
    shown = "\n".join(text.status_lines(snap) + [text.tooltip(snap)])
    assert "1.3M" not in shown and f"{blended:,}" not in shown
    assert "tokens:" not in shown.lower()


def test_empty_day_says_so() -> None:
    snap = make_snapshot(today=Totals(), live=None)
    assert text.status_lines(snap)[0] == "Today: no calls yet"
    assert text.tooltip(snap).splitlines()[0] == "tokenpulse — no calls today"
    assert text.cost_text(Totals()) == "$0.00"


def test_state_lines_for_import_pause_snooze_and_problems() -> None:
    snap = make_snapshot(importing=ImportProgress(1204, 3100), paused=True, snoozed_until_ms=NOW + 30 * 60_000,
                         problems=("cannot read /x: Permission denied", "another"))
    assert text.state_lines(snap) == [
        "Importing 1,204 of 3,100 files",
        "Watching paused: new log lines are not read",
        "Reminders snoozed until 14:43",
        "Problem: cannot read /x: Permission denied (+1 more)",
    ]
    assert text.state_lines(make_snapshot(snoozed_until_ms=NOW - 1)) == []  # a snooze that ended says nothing


def test_tooltip_is_short_lines() -> None:
    tip = text.tooltip(make_snapshot(importing=ImportProgress(5, 10)))
    assert tip.splitlines() == [
        "tokenpulse — today $3.40",
        "output 12.3k · input 3.4k · cache write 45.6k · cache read 1.2M",
        "Live chat: tokenpulse (Claude Code, 42 calls)",
        "context 84.2k of 100k",
        "each message re-reads 84.2k · fresh chat 17k",
        "Importing 5 of 10 files",
    ]
    assert all(len(line) <= 80 for line in tip.splitlines())


def test_summary_rows_put_output_first_then_cost() -> None:
    rows = text.summary_rows(make_snapshot())
    assert [(r.label, r.today, r.week) for r in rows] == [
        ("Output", "12.3k", "92.3k"), ("Input", "3.4k", "23.4k"), ("Cache write", "45.6k", "346k"),
        ("Cache read", "1.2M", "9.2M"), ("Cost", "$3.40", "$21.10+")]
    assert [r.emphasis for r in rows] == [True, False, False, False, True]


def test_live_chat_advice_only_past_the_threshold() -> None:
    assert text.live_advice(make_snapshot()) is None
    snap = make_snapshot()
    assert snap.live is not None
    big = make_snapshot(live=snap.live.__class__(**{**_fields(snap.live), "context_tokens": 150_000}))
    assert text.live_advice(big) == ("Each message re-reads 150k tokens of history; a fresh chat would re-read"
                                     " about 17k. In Claude Code: start a new chat with a short recap.")


def test_project_name_and_cost_note() -> None:
    assert text.project_name("/home/u/src/app/") == "app"
    assert text.project_name(None) == "unknown folder"
    assert text.cost_note(Totals(calls=3, unpriced_calls=2, cost_usd=1.0)) is not None
    assert text.cost_note(Totals(calls=3, cost_usd=1.0)) is None
    assert text.spark_caption(make_snapshot()) == "Output, last 14 days: 61.5k"


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]
