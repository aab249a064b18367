"""`tokenpulse status` without the app imports only what answering needs (issue #16 §3: ≤ 100 ms on a big history):
neither the chat-figures code when no chat changed, nor the reports' styles, the devices' scopes, the sources'
parsers or the settings reader when there is no settings file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import claude_line, write_lines

# Each is imported by some command, or by `status` when there is work for it, but not by a `status` that finds
# nothing new (the figures' code is what a scan that touched a chat runs, not a status that reads them).
NOT_FOR_STATUS = ("tokenpulse.insights.chat_stats", "tokenpulse.insights.chat_walk", "tokenpulse.insights.spend_facts",
                  "tokenpulse.store.sync.scope", "tokenpulse.cli.style", "tokenpulse.cli.reports",
                  "tokenpulse.sources.claude_code.parser", "tokenpulse.sources.codex.parser", "tomllib",
                  "tokenpulse.gui", "PySide6")

_RUN = ("import contextlib, io, json, sys; from tokenpulse.cli.main import main; out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out): code = main(sys.argv[1:])\n"
        "print(json.dumps({'code': code, 'out': out.getvalue(), 'modules': sorted(sys.modules)}))")


def _status(env: dict[str, str], *args: str) -> tuple[dict[str, object], list[str]]:
    done = subprocess.run([sys.executable, "-c", _RUN, *args], env=env, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["code"] == 0, done.stderr
    return json.loads(result["out"]), result["modules"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A store holding a live chat, scanned once already (as the app or an earlier command leaves it)."""
    now = datetime.now(timezone.utc)
    write_lines(tmp_path / "claude" / "projects" / "p" / "live.jsonl", [
        claude_line(msg_id=f"msg_{k}", req_id=f"req_{k}", session="live", cache_read=20_000 * k,
                    ts=(now - timedelta(minutes=5) + timedelta(seconds=k)).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        for k in range(1, 4)])
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE", "CODEX", "TOKENPULSE"))}
    environ.update(HOME=str(tmp_path), TOKENPULSE_HOME=str(tmp_path / "home"),
                   CLAUDE_CONFIG_DIR=str(tmp_path / "claude"), CODEX_HOME=str(tmp_path / "codex"))
    subprocess.run([sys.executable, "-m", "tokenpulse", "scan"], env=environ, check=True, capture_output=True)
    return environ


@pytest.mark.parametrize("args", [("status", "--json"), ("status", "--json", "--no-scan")])
def test_status_imports_only_what_it_needs(env: dict[str, str], args: tuple[str, ...]) -> None:
    status, modules = _status(env, *args)
    assert [c["session_key"] for c in status["live_chats"]] == ["live"]  # the answer is there: nothing was skipped
    assert status["live_chats"][0]["waste_tokens"] is not None
    assert sorted(m for m in modules if m.startswith(NOT_FOR_STATUS)) == []
