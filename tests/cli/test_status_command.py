"""`tokenpulse status`: a live chat appears with its context; an old one does not."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import claude_line, write_lines
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
