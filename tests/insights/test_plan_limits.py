"""Where a plan window stands (issue 11 §3): the provider's own number with its age, unknown once its reset has
passed, pace against the time gone; hits paired with their reset; context windows stated, learned or documented;
Claude Code's cached usage picked by content, read only for its one key."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tokenpulse.insights import context_windows
from tokenpulse.insights.plan_limits import WindowStatus, limit_facts, pending_resets
from tokenpulse.presenters import limits_text
from tokenpulse.quota import ContextWindowSeen, LimitHit, LimitRecords, LimitSnapshot
from tokenpulse.sources.claude_code.usage_cache import candidates, read_cached_usage
from tokenpulse.store.db import connect
from tokenpulse.store.limits import write_records

NOW = 1_800_000_000_000
MIN = 60_000
UTC = ZoneInfo("UTC")


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = connect(tmp_path / "tokenpulse.sqlite3")
    yield c  # type: ignore[misc]
    c.close()


def test_a_reading_is_current_until_its_reset_then_unknown_since_it() -> None:
    w = WindowStatus("claude-code", 300, 62.0, NOW - 20 * MIN, NOW - 3 * MIN, NOW + 100 * MIN)
    assert w.current(NOW) and not w.current(NOW + 100 * MIN)
    assert limits_text.reading(w, NOW, UTC) == "5 h: 62 % · resets in 1 h 40 · as of 3 min ago"
    assert limits_text.reading(w, NOW + 101 * MIN, UTC) == "5 h: unknown since the reset at 09:40"
    assert w.elapsed_share(NOW) == pytest.approx(200 / 300)
    assert w.ahead_of_pace(NOW) is False
    assert limits_text.pace(w, NOW) == "pace: 62 % used, 67 % of the time gone (within pace)"
    hot = WindowStatus("codex", 10_080, 80.0, NOW, NOW, NOW + 5 * 24 * 60 * MIN)
    assert hot.ahead_of_pace(NOW) is True and "ahead of pace" in (limits_text.pace(hot, NOW) or "")
    blind = WindowStatus("codex", 300, 10.0, NOW, NOW, None)
    assert blind.current(NOW + 299 * MIN) and not blind.current(NOW + 301 * MIN)
    assert limits_text.pace(blind, NOW) is None


def test_words_for_durations_and_compact_status_line_readings() -> None:
    assert [limits_text.duration(ms) for ms in (0, 59_000, 60_000, 61 * MIN, 120 * MIN, 3 * 1440 * MIN + 61 * MIN)] \
        == ["now", "under a minute", "1 min", "1 h 01", "2 h", "3 d 1 h"]
    assert limits_text.compact("5h", 62.0, NOW + 100 * MIN, True, NOW) == "5h 62% ↻1h40"
    assert limits_text.compact("7d", 31.5, NOW + 3 * 1440 * MIN, True, NOW) == "7d 31.5%"
    assert limits_text.compact("5h", 62.0, NOW - MIN, False, NOW) == "5h ?"


def test_facts_hold_the_latest_windows_and_hits_with_their_resets(conn: sqlite3.Connection) -> None:
    write_records(conn, LimitRecords(
        [LimitSnapshot("codex", 300, 100.0, NOW - 50 * MIN, NOW + 10 * MIN),
         LimitSnapshot("codex", 300, 4.0, NOW + 20 * MIN, NOW + 320 * MIN)],
        [LimitHit("codex", NOW - 40 * MIN, "usage_limit_exceeded"),  # no window or reset in the log: looked up
         LimitHit("claude-code", NOW - 30 * MIN, "rate_limit", 300, NOW + 5 * MIN),
         LimitHit("claude-code", NOW - 9 * 24 * 60 * MIN, "rate_limit", 300, NOW - 9 * 24 * 60 * MIN + 5)]))
    facts = limit_facts(conn, NOW + 30 * MIN)
    assert [(w.source, w.used_percent) for w in facts.windows] == [("codex", 4.0)]
    assert sorted((p.source, p.resets_ms) for p in facts.resets) == [("claude-code", NOW + 5 * MIN),
                                                                    ("codex", NOW + 10 * MIN)]
    assert facts.tightest(NOW + 30 * MIN) is not None
    assert pending_resets(conn, NOW + 30 * MIN) == facts.resets


def test_context_window_stated_then_learned_then_documented(conn: sqlite3.Connection) -> None:
    write_records(conn, LimitRecords(windows=[ContextWindowSeen("codex", "s1", "gpt-5-codex", 258_400, NOW)]))
    assert context_windows.window_for(conn, "codex", "s1", "gpt-5-codex") == 258_400  # stated for the chat
    assert context_windows.window_for(conn, "codex", "s2", "gpt-5-codex") == 258_400  # learned for the model
    assert context_windows.window_for(conn, "codex", "s3", "gpt-5.2") == 272_000  # the documented table
    assert context_windows.window_for(conn, "claude-code", "x", "claude-sonnet-4-5-20250929") == 200_000
    assert context_windows.documented_window("anthropic/claude-opus-4-6") == 200_000
    assert context_windows.window_for(conn, "qwen", "q", "qwen3-coder-plus") is None  # unknown: tokens only
    assert context_windows.share(50_000, 200_000) == 0.25 and context_windows.share(5, None) is None


def _state(path: Path, fetched: int, five: float, resets: str, **more: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "oauthAccount": {"emailAddress": "someone@example.com", "accountUuid": "acct-secret"},
        "projects": {"/home/u/p": {"lastCost": 1.2}}, **more,
        "cachedUsageUtilization": {"fetchedAtMs": fetched, "utilization": {
            "five_hour": {"utilization": five, "resets_at": resets},
            "seven_day": {"utilization": 12, "resets_at": "2027-01-20T04:49:59.665316+00:00"},
            "seven_day_opus": None, "extra_usage": {"is_enabled": False}}}}), encoding="utf-8")


def test_claudes_cached_usage_is_picked_by_content_newest_first(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _state(home / ".claude.json", NOW - 60 * MIN, 46, "2027-01-15T04:49:59.665316+00:00")
    _state(home / ".claude" / ".claude.json", NOW - 5 * MIN, 50, "2027-01-15T05:00:00Z")  # the newer copy
    (home / ".config" / "claude").mkdir(parents=True)
    (home / ".config" / "claude" / ".claude.json").write_text('{"cachedUsageUtilization": "garbage"}')
    found = read_cached_usage(candidates({}, home))
    assert [(s.window_minutes, s.used_percent, s.observed_ms, s.via) for s in found] == [
        (300, 50.0, NOW - 5 * MIN, "cache"), (10_080, 12.0, NOW - 5 * MIN, "cache")]
    assert found[0].resets_ms == 1_799_989_200_000  # 2027-01-15T05:00:00Z
    assert read_cached_usage(candidates({"CLAUDE_CONFIG_DIR": str(tmp_path / "none")}, tmp_path / "x")) == []
