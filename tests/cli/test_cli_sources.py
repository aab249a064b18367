"""`tokenpulse sources [--json]`: every source with its health, after a scan (none with --no-scan), one source
with --source, an agent that went quiet said first, and nothing raw from a folder name reaching the terminal."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, cli_json, run_cli, write_lines
from tokenpulse.sources import registry

HOUR_S = 3600


def _new_format(n: int) -> str:
    return json.dumps({"type": "assistant", "sessionId": "s", "timestamp": "2026-03-01T10:00:00Z",
                       "requestId": f"r-new{n}", "message": {"id": f"m-new{n}", "tokens": {"in": 5, "out": 3}}})


def _aged(path: Path, hours: float) -> None:
    when = time.time() - hours * HOUR_S
    os.utime(path, (when, when))


def test_json_lists_every_source_with_its_health(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    claude = tmp_path / "claude"
    write_lines(claude / "projects/p/s.jsonl", [claude_line(msg_id="m1", ts="2026-03-01T10:00:00Z"), "{torn"])
    cli_env(monkeypatch, tmp_path, claude=claude)
    data = cli_json(capsys, "sources")
    assert [s["name"] for s in data["sources"]] == registry.source_names()
    keys = {"name", "label", "state", "went_quiet", "chosen_by", "env_var", "folders", "files", "last_call",
            "last_counted", "files_changed", "quiet_since", "last_call_ms", "last_counted_ms", "files_changed_ms",
            "quiet_since_ms", "skipped"}
    assert all(set(s) == keys for s in data["sources"])
    by_name = {s["name"]: s for s in data["sources"]}
    cc = by_name["claude-code"]
    assert (cc["state"], cc["went_quiet"], cc["chosen_by"], cc["files"]) == ("counting", False, "environment",
                                                                           {"read": 1, "gone": 0})
    assert cc["folders"] == [{"path": str(claude / "projects"), "state": "exists"}]
    assert (cc["last_call"], cc["last_call_ms"]) == ("2026-03-01T10:00:00Z", 1_772_359_200_000)
    assert cc["skipped"]["lines"] == {"torn or malformed JSON line": 1} and len(cc["skipped"]["scans"]) == 1
    assert by_name["codex"]["state"] == "missing" and by_name["codex"]["chosen_by"] == "environment"
    assert data["quiet_after_hours"] == 24


def test_no_scan_reports_the_store_as_it_is_and_source_picks_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    claude = tmp_path / "claude"
    write_lines(claude / "projects/p/s.jsonl", [claude_line()])
    cli_env(monkeypatch, tmp_path, claude=claude)
    data = cli_json(capsys, "sources", "--no-scan", "--source", "claude-code")
    assert [(s["name"], s["state"]) for s in data["sources"]] == [("claude-code", "empty")]  # not read yet
    data = cli_json(capsys, "sources", "--source", "claude-code")
    assert [(s["name"], s["state"]) for s in data["sources"]] == [("claude-code", "counting")]
    code, _out, err = run_cli(capsys, "sources", "--source", "nope")
    assert code == 2 and "unknown source 'nope'" in err


def test_text_says_a_quiet_agent_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    claude = tmp_path / "claude"
    _aged(write_lines(claude / "projects/p/old.jsonl", [claude_line(msg_id="m1", ts="2026-03-01T10:00:00Z")]), 72)
    _aged(write_lines(claude / "projects/p/new1.jsonl", [_new_format(1)]), 50)
    _aged(write_lines(claude / "projects/p/new2.jsonl", [_new_format(2)]), 1)
    cli_env(monkeypatch, tmp_path, claude=claude)
    code, out, _err = run_cli(capsys, "sources")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "Claude Code: WENT QUIET"
    assert lines[1].startswith("  Its logs kept changing from ")
    assert "  files read: 3" in lines
    assert "Went quiet: Claude Code." in lines
    assert any(line.startswith("Not found here (no folder exists") for line in lines)


def test_a_folder_name_cannot_drive_the_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    hostile = tmp_path / "x\x1b]0;pwned\x07\x1b[2J"
    write_lines(hostile / "projects/p/s.jsonl", ["{torn"])
    cli_env(monkeypatch, tmp_path, claude=hostile)
    code, out, _err = run_cli(capsys, "sources")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert f"      {tmp_path}/x\\x1b]0;pwned\\x07\\x1b[2J/projects (exists)" in out.splitlines()
    data = cli_json(capsys, "sources", "--no-scan")
    assert data["sources"][0]["folders"][0]["path"] == f"{tmp_path}/x\x1b]0;pwned\x07\x1b[2J/projects"
