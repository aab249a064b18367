"""live_status and the app's tick on a real store: live chats, their figures, and the reminders due."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers import claude_line, write_lines
from tokenpulse.config.settings import Limits, Reminders, Settings, with_changes
from tokenpulse.insights.hooks import after_scan
from tokenpulse.nudges.policy import PolicyState
from tokenpulse.nudges.runner import tick
from tokenpulse.nudges.status import live_status

MIN = 60_000
START = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)


def _ts(minute: int) -> str:
    return f"2026-03-01T10:{minute:02d}:00.000Z"


def _workspace(tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    return Workspace(resolve(tmp_path / "home"), env={"CLAUDE_CONFIG_DIR": str(tmp_path / "claude")},
                     home=tmp_path, settings=settings)


def _long_chat(tmp_path: Path) -> None:
    # ten calls growing from 10k to 190k context: past T = 100k and 4 × F after 8 calls
    write_lines(tmp_path / "claude/projects/-home-u-shop/sess-1.jsonl", [
        claude_line(msg_id=f"m{k}", req_id=f"r{k}", input=10, cache_read=10_000 + 20_000 * k - 10, ts=_ts(k),
                    cwd="/home/u/shop") for k in range(10)])


def test_live_status_lists_the_chat_and_the_due_reminder(tmp_path: Path) -> None:
    settings = Settings(timezone="UTC", reminders=Reminders(daily_budget_usd=0.3))
    _long_chat(tmp_path)
    ws = _workspace(tmp_path, settings)
    try:
        after_scan(ws.conn, ws.scanner.scan().sessions_touched, ws.pricer, settings)
        now = int(START.timestamp() * 1000) + 10 * MIN
        status = live_status(ws.conn, now, ws.pricer, settings)
        [chat] = status["live_chats"]
        assert chat["agent"] == "Claude Code" and chat["project"] == "/home/u/shop"
        assert chat["context_tokens"] == 190_000 and chat["first_context_tokens"] == 10_000
        assert chat["calls"] == 10 and chat["idle_seconds"] == 60
        last_cost = ws.conn.execute("SELECT cost_usd FROM api_call ORDER BY ts_ms DESC LIMIT 1").fetchone()[0]
        assert chat["cost_per_message_usd"] == round(last_cost, 6)
        # the re-read comparison the reminder makes: 190k at Sonnet's $0.30/M cache read against a fresh chat's
        # F + R = 10k + 5k, over the next 10 messages
        assert (chat["reread_tokens"], chat["fresh_chat_reread_tokens"]) == (190_000, 15_000)
        assert chat["reread_cost_usd"] == pytest.approx(0.057) and chat["fresh_chat_reread_cost_usd"] == \
            pytest.approx(0.0045)
        assert chat["fresh_chat_saving_usd"] == pytest.approx(0.525) and chat["fresh_chat_saving_messages"] == 10
        assert "first_message_cost_usd" in chat  # kept for the scripts that read it
        assert chat["waste_tokens"] == sum(max(0, 20_000 * k - 5_000) for k in range(10))
        assert chat["waste_cost_usd"] > 0
        rules = {d["rule"] for d in status["due"]}
        assert "fresh_chat" in rules
        day = ws.conn.execute("SELECT sum(cost_usd) FROM api_call").fetchone()[0]
        assert status["spend"]["day_usd"] == round(day, 6)
        assert day >= 0.8 * 0.3  # 1M cache-read tokens at Sonnet's $0.30/M, plus output
        assert "budget" in rules
        # 20 minutes later the chat is no longer live, and its 5-minute cache has expired
        later = live_status(ws.conn, now + 20 * MIN, ws.pricer, settings)
        assert later["live_chats"] == []
        assert [d["rule"] for d in later["due"] if d["rule"] != "budget"] == ["cache_expired"]
    finally:
        ws.close()


def test_tick_fires_once_after_grace_and_remembers(tmp_path: Path) -> None:
    # the cost rule alone (T = 100k): at 190k the window rule would say level 2 (95 % of Sonnet's 200k window)
    settings = Settings(timezone="UTC", limits=Limits(context_share=0.0))
    _long_chat(tmp_path)
    ws = _workspace(tmp_path, settings)
    try:
        after_scan(ws.conn, ws.scanner.scan().sessions_touched, ws.pricer, settings)
        now = int(START.timestamp() * 1000) + 9 * MIN + 30_000
        state = PolicyState(started_ms=now)
        first = tick(ws.conn, now, ws.pricer, settings, state)
        assert first.due == []  # start-up grace...
        assert first.wake_ms == now + 2 * MIN  # ...and the app is told to look again when it ends
        second = tick(ws.conn, now + 3 * MIN, ws.pricer, settings, first.state)
        assert [n.key for n in second.due] == ["fresh_chat:1:1"]
        assert "Claude Code · shop" in second.due[0].body and "190k tokens" in second.due[0].body
        assert second.due[0].session_id == 1 and [a.id for a in second.due[0].actions] == \
            ["open_chat", "snooze_1h", "mute_chat"]
        off = with_changes(settings, reminders=with_changes(settings.reminders, fresh_chat=False))
        assert tick(ws.conn, now + 4 * MIN, ws.pricer, off, PolicyState(started_ms=0)).due == []
        assert tick(ws.conn, now + 4 * MIN, ws.pricer, settings, second.state).due == []
    finally:
        ws.close()
