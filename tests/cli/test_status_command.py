"""`tokenpulse status`: a live chat appears with its context; an old one does not."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import claude_line, hold_app_lock, stop_process, write_lines
from tokenpulse.cli.main import main


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_status_lists_the_live_chat(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(timezone.utc)
    folder = tmp_path / "claude" / "projects" / "p"
    write_lines(folder / "live.jsonl", [
        claude_line(msg_id=f"msg_live{k}", req_id=f"req_live{k}", session="live", cache_read=20_000 * k,
                    ts=_iso(now - timedelta(minutes=5) + timedelta(seconds=k))) for k in range(1, 4)])
    write_lines(folder / "old.jsonl", [
        claude_line(msg_id="msg_old", req_id="req_old", session="old", ts=_iso(now - timedelta(days=2)))])
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "nocodex"))
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "home"), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [c["agent"] for c in status["live_chats"]] == ["Claude Code"]
    assert status["live_chats"][0]["calls"] == 3
    assert status["live_chats"][0]["context_tokens"] >= 60_000
    assert main(["--data-dir", str(tmp_path / "home"), "status", "--no-scan"]) == 0
    assert "context 6" in capsys.readouterr().out


def _fake_app(data: Path) -> subprocess.Popen[str]:
    """A live process holding the app's lock, as the running tray app does."""
    data.mkdir(parents=True, exist_ok=True)
    return hold_app_lock(data / "app.lock")


def test_status_answers_from_the_apps_facts_while_it_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenpulse.insights.status_view import write_facts

    data = tmp_path / "data"
    monkeypatch.setenv("TOKENPULSE_HOME", str(data))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "nocodex"))
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    chat = {"session_id": 4, "agent": "Codex", "project": "/p", "calls": 9, "context_tokens": 120_000,
            "first_context_tokens": 9_000, "cost_per_message_usd": 0.05, "first_message_cost_usd": 0.01,
            "waste_tokens": 400_000, "waste_cost_usd": 0.4}
    facts = {"now_ms": now_ms - 30_000,
             "chats": [dict(chat, last_call_ms=now_ms - 90_000), dict(chat, session_id=5, last_call_ms=now_ms - 11 * 60_000)],
             "spend": {"day_usd": 1.5, "week_usd": 2.0, "month_usd": 3.0, "month_projection_usd": 9.0,
                       "day_output_tokens": 1234},
             "due": [{"rule": "budget", "key": "budget:day:x:80", "title": "Daily budget 80 % used", "body": "…"}]}
    app = _fake_app(data)
    try:
        write_facts(data, facts)
        assert main(["status", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert [c["session_id"] for c in out["live_chats"]] == [4]  # 5's last call is 11 minutes old now
        assert 89 <= out["live_chats"][0]["idle_seconds"] <= 120 and "last_call_ms" not in out["live_chats"][0]
        assert out["spend"] == facts["spend"] and out["due"] == facts["due"]
        assert main(["status"]) == 0
        assert "reminder: Daily budget 80 % used" in capsys.readouterr().out
        assert not (data / "tokenpulse.sqlite3").exists()  # the store was not even opened
    finally:
        stop_process(app)
    # the app is gone: its facts are not trusted, the store is read instead
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["due"] == []
    assert (data / "tokenpulse.sqlite3").exists()


def test_status_ignores_stale_or_broken_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenpulse.insights.status_view import FACTS_NAME, read_facts, write_facts

    data = tmp_path / "data"
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    data.mkdir()
    write_facts(data, {"now_ms": now_ms - 27 * 3_600_000, "chats": [], "spend": {}, "due": []})
    assert read_facts(data, now_ms) is None  # older than a day and a bit: the app must be stuck
    (data / FACTS_NAME).write_text('{"now_ms": 1, "chats"')
    assert read_facts(data, now_ms) is None
    assert (data / FACTS_NAME).stat().st_mode & 0o077 == 0


def test_the_live_window_of_the_facts_is_the_reminders_one() -> None:
    from tokenpulse.insights import status_view
    from tokenpulse.nudges import fresh_chat

    assert fresh_chat.is_live is status_view.is_live
