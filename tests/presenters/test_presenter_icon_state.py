"""The icon's state: paused and importing win; the ring follows the live chat toward the threshold."""

from __future__ import annotations

import dataclasses

from presenters.factories import make_snapshot
from tokenpulse.presenters.icon_state import IconState, Mode, icon_state
from tokenpulse.snapshot import ImportProgress


def _live(context: int) -> object:
    live = make_snapshot().live
    return dataclasses.replace(live, context_tokens=context)  # type: ignore[type-var]


def test_live_chat_fills_the_ring() -> None:
    assert icon_state(make_snapshot()) == IconState(Mode.LIVE, "12k", round(0.842 * 24) / 24)


def test_no_live_chat_is_idle_with_todays_output() -> None:
    assert icon_state(make_snapshot(live=None)) == IconState(Mode.IDLE, "12k", 0.0)


def test_past_the_threshold_is_a_nudge_unless_snoozed_or_switched_off() -> None:
    assert icon_state(make_snapshot(live=_live(100_000))).mode is Mode.NUDGE
    assert icon_state(make_snapshot(live=_live(100_000), snoozed_until_ms=make_snapshot().now_ms + 1)).mode \
        is Mode.LIVE
    assert icon_state(make_snapshot(live=_live(150_000), fresh_chat_reminders=False)) == \
        IconState(Mode.LIVE, "12k", 1.0)


def test_paused_and_importing_and_problems() -> None:
    assert icon_state(make_snapshot(paused=True)).mode is Mode.PAUSED
    imp = icon_state(make_snapshot(importing=ImportProgress(25, 100)))
    assert (imp.mode, imp.ring) == (Mode.IMPORTING, 0.25)
    assert icon_state(make_snapshot(problems=("x",))).mode is Mode.PROBLEM


def test_small_context_changes_do_not_change_the_state() -> None:
    # the tray redraws only when the state changes: a few tokens more must compare equal
    assert icon_state(make_snapshot(live=_live(84_200))) == icon_state(make_snapshot(live=_live(84_900)))
