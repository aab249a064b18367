"""Plan-limit reminders (issue 11 §4) and the fresh-chat window rule (§5): at 80 % and 95 % of a window once per
window period, "your 5-hour window has reset" after a hit (only for resets seen while watching), never on a
stale reading, silenced like the others; and the fresh-chat reminder on either rule, saying which one fired."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tokenpulse.config.settings import Limits, Reminders, with_changes
from tokenpulse.insights.facts import ChatSnapshot
from tokenpulse.insights.plan_limits import LimitFacts, PendingReset, WindowStatus
from tokenpulse.nudges import fresh_chat
from tokenpulse.nudges import limits as rule
from tokenpulse.nudges.policy import PolicyState, evaluate, next_wake_ms

UTC = ZoneInfo("UTC")
NOW = 1_800_000_000_000
MIN = 60_000
LIM = Limits()
R = Reminders()


def w(used: float, *, resets: int | None = NOW + 100 * MIN, seen: int = NOW - MIN, minutes: int = 300,
      source: str = "claude-code") -> WindowStatus:
    return WindowStatus(source, minutes, used, seen - 10 * MIN, seen, resets)


def keys(facts: LimitFacts, now: int = NOW, lim: Limits = LIM, started: int = 0) -> list[str]:
    return [n.key for n in rule.candidates(facts, now, lim, started, UTC)]


def test_levels_fire_at_the_settings_percentages_and_say_the_providers_numbers() -> None:
    assert keys(LimitFacts((w(79.9),))) == []
    [warn] = rule.candidates(LimitFacts((w(80.0),)), NOW, LIM, 0, UTC)
    assert warn.rule == "plan_limit" and warn.title == "Claude Code: 5-hour window at 80 %"
    body = warn.body.replace("\u00a0", " ")  # numbers and their units are kept on one line
    assert "reports 80 % of your 5-hour window used (as of 1 min ago)" in body
    assert "It resets in 1 h 40" in body and "Pace: 80 % used, 67 % of the time gone" in body
    assert "1\u00a0h\u00a040" in warn.body and "80\u00a0%" in warn.body
    [urgent] = rule.candidates(LimitFacts((w(96.0),)), NOW, LIM, 0, UTC)
    assert urgent.key.endswith(":95") and warn.key in urgent.also_done  # 95 % stands for 80 % too
    assert keys(LimitFacts((w(85.0),)), lim=Limits(warn_percent=90.0, urgent_percent=99.0)) == []
    assert keys(LimitFacts((w(99.0),)), lim=Limits(reminders=False)) == []


def test_a_stale_reading_never_reminds() -> None:
    assert keys(LimitFacts((w(97.0, resets=NOW - MIN),))) == []  # its window has reset: unknown now
    assert keys(LimitFacts((w(97.0, resets=None, seen=NOW - 301 * MIN),))) == []  # older than the window


def test_each_window_period_reminds_once_even_when_the_reset_time_jitters() -> None:
    state = PolicyState(started_ms=0)
    first, state = evaluate(NOW, [], None, R, UTC, state, 0, limits=LimitFacts((w(81.0),)), lim=LIM)
    assert len(first) == 1
    # the same window a few seconds' jitter later (the reset time can cross a 15-minute step)
    for jitter in (7_000, -7_000, 450_000 - 1):
        again, state = evaluate(NOW + MIN, [], None, R, UTC, state, 0,
                                limits=LimitFacts((w(83.0, resets=NOW + 100 * MIN + jitter),)), lim=LIM)
        assert again == []
    # the next window reminds again
    nxt, _ = evaluate(NOW + 6 * 60 * MIN, [], None, R, UTC, state, 0,
                      limits=LimitFacts((w(81.0, resets=NOW + 400 * MIN, seen=NOW + 6 * 60 * MIN),)), lim=LIM)
    assert len(nxt) == 1


def test_the_reset_after_a_hit_is_announced_once_and_only_if_it_happened_while_watching() -> None:
    hit = PendingReset("codex", 300, NOW - 60 * MIN, NOW - MIN)
    facts = LimitFacts(resets=(hit,))
    [n] = rule.candidates(facts, NOW, LIM, NOW - 120 * MIN, UTC)
    assert n.title == "Your Codex 5-hour window has reset" and n.rule == "limit_reset"
    assert keys(facts, started=NOW - MIN // 2) == []  # it reset before the app started: history
    assert keys(facts, now=NOW - 2 * MIN, started=0) == []  # not yet
    assert keys(facts, now=NOW + 4 * 60 * MIN, started=0) == []  # hours later it is no news
    assert keys(facts, lim=Limits(reset_reminder=False), started=0) == []


def test_the_app_wakes_for_a_reset_after_a_hit_and_grace_holds_limit_reminders() -> None:
    facts = LimitFacts((w(99.0),), (PendingReset("codex", 300, NOW - MIN, NOW + 30 * MIN),))
    state = PolicyState(started_ms=NOW - 1_000)
    assert next_wake_ms(NOW, [], R, UTC, state, 0, limits=facts, lim=LIM) == NOW + 30 * MIN
    held, state = evaluate(NOW, [], None, R, UTC, state, limits=facts, lim=LIM)  # inside the start-up grace
    assert held == [] and state.fired == {}


def chat(context: int, window: int | None, first: int = 10_000, calls: int = 20) -> ChatSnapshot:
    return ChatSnapshot(session_id=7, agent="Claude Code", project="/p", calls=calls, first_context=first,
                        context=context, last_ms=NOW - MIN, first_cost=0.01, last_cost=0.1, read_price=3e-7,
                        context_window=window)


def test_fresh_chat_fires_on_the_window_share_and_says_so() -> None:
    c = chat(70_000, 100_000)  # under T = 100k, but 70 % of a 100k window
    assert fresh_chat.candidate(c, NOW, R) is None  # the cost rule alone: nothing
    n = fresh_chat.candidate(c, NOW, R, 0.6)
    assert n is not None and n.key == "fresh_chat:7:1"
    assert "Reminder rule: it fills 70% of the model's 100k-token context window (reminder at 60%)." in n.body
    two = fresh_chat.candidate(chat(85_000, 100_000), NOW, R, 0.6)
    assert two is not None and two.key == "fresh_chat:7:2"  # half way from 60 % to a full window


def test_fresh_chat_on_the_cost_rule_says_so_and_an_unknown_window_leaves_only_that_rule() -> None:
    n = fresh_chat.candidate(chat(150_000, 1_000_000), NOW, R, 0.6)  # 15 % of a 1M window, past T
    assert n is not None and "Reminder rule: it passed the cost threshold of 100k tokens." in n.body
    assert fresh_chat.candidate(chat(90_000, None), NOW, R, 0.6) is None
    both = fresh_chat.candidate(chat(130_000, 200_000), NOW, R, 0.6)
    assert both is not None and "cost threshold of 100k tokens, and it fills 65%" in both.body
    # the growth and call-count guards hold for the window rule too
    assert fresh_chat.candidate(chat(70_000, 100_000, first=60_000), NOW, R, 0.6) is None
    assert fresh_chat.candidate(chat(70_000, 100_000, calls=3), NOW, R, 0.6) is None
    assert fresh_chat.candidate(chat(70_000, 100_000), NOW, with_changes(R, fresh_chat=False), 0.6) is None


def test_the_limits_section_round_trips_and_refuses_nonsense(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tokenpulse.config.settings import Settings, SettingsError, load, save

    path = tmp_path / "settings.toml"
    save(Settings(limits=Limits(warn_percent=70.0, context_share=0.5, read_claude_cache=False)), path)
    assert "[limits]" in path.read_text()
    got = load(path).limits
    assert (got.warn_percent, got.urgent_percent, got.context_share, got.read_claude_cache) == (70.0, 95.0, 0.5, False)
    for bad in ("warn_percent = 120", "context_share = 60", "warn_percent = 99\nurgent_percent = 90",
                'icon_percent = "high"', "unknown_key = 1"):
        path.write_text(f"[limits]\n{bad}\n")
        with pytest.raises(SettingsError):
            load(path)
