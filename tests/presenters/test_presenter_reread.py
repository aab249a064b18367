"""The live chat's economics in the summary, the menu and the tooltip: what each message re-reads now against
what a fresh chat would re-read (the reminder's comparison, insights.reread), never "now vs the first message"."""

from __future__ import annotations

import dataclasses

from presenters.factories import NOW, make_snapshot
from tokenpulse.insights.facts import ChatSnapshot
from tokenpulse.nudges.fresh_chat import argument
from tokenpulse.presenters import text
from tokenpulse.snapshot import LiveChat

# A Claude chat whose first call wrote its 22k context to the cache at the dearer write price: the first message
# cost $0.09, the latest $0.05, yet each message now re-reads 104k where a fresh chat would re-read 27k.
DEAR_FIRST = LiveChat(session_id=3, agent="Claude Code", project="/home/u/shop", calls=30, context_tokens=104_000,
                      first_context_tokens=22_000, last_cost_usd=0.05, first_cost_usd=0.09, last_ms=NOW - 60_000,
                      read_price=3e-7, fresh_read_price=3e-7, recap_allowance=5_000,
                      fresh_chat_hint="/clear with a short brief, or /compact")


def _shown(live: LiveChat) -> list[str]:
    snap = make_snapshot(live=live)
    return [*text.status_lines(snap), text.tooltip(snap), text.live_cost_line(live), text.live_advice(snap) or ""]


def test_a_chat_whose_first_call_was_a_dear_cache_write_is_not_shown_as_cheaper_now() -> None:
    shown = "\n".join(_shown(DEAR_FIRST))
    assert "$0.09" not in shown and "first" not in shown.lower()  # the misleading comparison is gone
    assert "$0.05" not in shown  # nor the last message's cost as the figure to compare
    snap = make_snapshot(live=DEAR_FIRST)
    # 104k × $0.30/M ≈ $0.031 against (22k + R 5k) × $0.30/M ≈ $0.008
    assert "      each message re-reads ≈ $0.031 · fresh chat 27k ≈ $0.008" in text.status_lines(snap)
    assert "each message re-reads ≈ $0.031 · fresh chat 27k ≈ $0.008" in text.tooltip(snap).splitlines()
    assert text.live_cost_line(DEAR_FIRST) == "Each message re-reads ≈ $0.031 · fresh chat 27k ≈ $0.008"
    assert text.live_advice(snap) == ("Each message re-reads 104k tokens of history; a fresh chat would re-read"
                                      " about 27k. Over the next 10 messages a fresh chat saves ≈ $0.23."
                                      " In Claude Code: /clear with a short brief, or /compact.")


def test_the_summary_and_the_reminder_compare_the_same_figures() -> None:
    chat = ChatSnapshot(session_id=3, agent="Claude Code", project="/home/u/shop", calls=30, first_context=22_000,
                        context=104_000, last_ms=NOW, first_cost=0.09, last_cost=0.05, read_price=3e-7,
                        fresh_read_price=3e-7)
    body = argument(chat, 5_000)
    assert "re-reads 104k tokens ≈ $0.031" in body and "re-read about 27k ≈ $0.008" in body
    assert "saves ≈ $0.23" in body and "saves ≈ $0.23" in (text.live_advice(make_snapshot(live=DEAR_FIRST)) or "")


def test_without_a_known_price_the_tokens_are_compared() -> None:
    live = dataclasses.replace(DEAR_FIRST, read_price=None, fresh_read_price=None)
    assert text.live_cost_line(live) == "Each message re-reads 104k · fresh chat 27k"
    advice = text.live_advice(make_snapshot(live=live)) or ""
    assert "saves" not in advice and "$" not in advice  # no invented amount
    assert "first" not in "\n".join(_shown(live)).lower()


def test_a_long_context_tier_prices_the_re_read_as_billed() -> None:
    # past 200k the re-read is billed at the dearer tier; a fresh chat's small context at the base price
    live = dataclasses.replace(DEAR_FIRST, context_tokens=250_000, read_price=6e-7)
    assert text.live_cost_line(live) == "Each message re-reads ≈ $0.15 · fresh chat 27k ≈ $0.008"


def test_the_menu_stays_narrow_with_the_re_read_line() -> None:
    assert max(len(line) for line in text.status_lines(make_snapshot(live=DEAR_FIRST))) <= 64
