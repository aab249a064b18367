"""Tooltip, menu status lines and popup rows: always by token type, with cost; state lines say what runs."""

from __future__ import annotations

from presenters.factories import NOW, make_snapshot
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
        "      context 84.2k of 100k · $0.41 per message (first $0.05)",
    ]
    assert max(len(line) for line in text.status_lines(make_snapshot())) <= 64  # a narrow menu


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
        "context 84.2k of 100k · $0.41 per message (first $0.05)",
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
    assert text.live_advice(big) == ("Each message re-reads 150k tokens of history."
                                     " A fresh chat starts near 12k.")


def test_project_name_and_cost_note() -> None:
    assert text.project_name("/home/u/src/app/") == "app"
    assert text.project_name(None) == "unknown folder"
    assert text.cost_note(Totals(calls=3, unpriced_calls=2, cost_usd=1.0)) is not None
    assert text.cost_note(Totals(calls=3, cost_usd=1.0)) is None
    assert text.spark_caption(make_snapshot()) == "Output, last 14 days: 61.5k"


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]
