"""Names from the logs never reach the terminal raw: every report, `status` (meant for shell status lines) and
`scan`'s problem lines show control characters as escapes; JSON stays valid, exact and free of NaN/Infinity."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, hold_app_lock, run_cli, stop_process, write_lines

# what a hostile log can hold: a clipboard write (OSC 52), clear screen, a carriage return, a C1 CSI, DEL,
# a bidi override that reverses what follows
EVIL_CWD = "/home/u/\x1b]52;c;cm0gLXJmIH4=\x07proj\r\x9b2J"
EVIL_MODEL = "claude-\x1b[2J-\x7fmodel"
EVIL_BRANCH = "main\x1b[31m\u202egnp.exe"
EVIL_SESSION = "sess-\x1b[1A\x00"
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _hostile_logs(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc)
    write_lines(tmp_path / "claude/projects/p/evil.jsonl", [
        claude_line(msg_id=f"m{k}", req_id=f"r{k}", session=EVIL_SESSION, cwd=EVIL_CWD, model=EVIL_MODEL,
                    gitBranch=EVIL_BRANCH, ts=_iso(now - timedelta(minutes=3) + timedelta(seconds=k)))
        for k in range(3)])


@pytest.mark.parametrize("command", ["projects", "sessions", "daily", "weekly", "monthly", "status"])
def test_no_control_character_reaches_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], command: str) -> None:
    _hostile_logs(tmp_path)
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    code, out, err = run_cli(capsys, command)
    assert code == 0, err
    assert RAW_CONTROL.search(out) is None, repr(out)
    assert RAW_CONTROL.search(err) is None, repr(err)
    shown = {"projects": ["\\x1b]52;c;cm0gLXJmIH4=\\x07proj\\r\\x9b2J"], "sessions": ["sess-\\x1b[1A\\x00"],
             "status": ["\\x1b]52;c;cm0gLXJmIH4=\\x07proj\\r\\x9b2J"]}.get(command, ["claude-\\x1b[2J-\\x7fmodel"])
    assert all(s in out for s in shown), out


@pytest.mark.parametrize("command", ["projects", "sessions", "daily", "status", "scan"])
def test_json_keeps_the_names_exact_and_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], command: str) -> None:
    _hostile_logs(tmp_path)
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    code, out, err = run_cli(capsys, command, "--json")
    assert code == 0, err
    assert RAW_CONTROL.search(out) is None, repr(out)
    data = json.loads(out, parse_constant=_no_constants)
    text = json.dumps(data)
    if command == "projects":
        assert data[0]["project"] == EVIL_CWD
    elif command == "sessions":
        assert (data[0]["project"], data[0]["session"]) == (EVIL_CWD, EVIL_SESSION)
        assert "git_branch" not in data[0] and EVIL_BRANCH not in text  # branch names are not kept
        assert data[0]["models"] == [EVIL_MODEL]
    elif command == "daily":
        assert data[0]["model"] == EVIL_MODEL
    elif command == "status":
        assert data["live_chats"][0]["project"] == EVIL_CWD
    assert "Infinity" not in text and "NaN" not in text


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_an_infinite_cost_is_null_in_json_never_infinity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _hostile_logs(tmp_path)
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    assert run_cli(capsys, "scan")[0] == 0
    conn = sqlite3.connect(data / "tokenpulse.sqlite3")
    conn.execute("UPDATE api_call SET cost_usd = 9e999")  # an overflowed price, as a 1e308 override once made
    conn.commit()
    conn.close()
    for command in ("daily", "projects", "sessions"):
        code, out, err = run_cli(capsys, command, "--json", "--no-scan")
        assert code == 0, err
        rows = json.loads(out, parse_constant=_no_constants)
        assert rows[0]["cost_usd"] is None


def test_scan_problem_lines_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "claude/projects/p" / "bad\x1b]52;c;QQ==\x07\r.jsonl"
    write_lines(evil, [claude_line()])
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "\x1b" in os.fsdecode(path):  # root reads everything: refuse this one file as a failing disk would
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    code, out, err = run_cli(capsys, "scan")
    assert code == 0, err
    assert "problem: cannot read" in out and "bad\\x1b]52;c;QQ==\\x07\\r.jsonl" in out, out
    assert RAW_CONTROL.search(out) is None, repr(out)
    code, out, err = run_cli(capsys, "scan", "--json")
    problems = json.loads(out)["problems"]
    assert RAW_CONTROL.search(out) is None and any(str(evil) in p for p in problems)


def test_status_from_the_running_apps_facts_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from tokenpulse.insights.status_view import write_facts

    data = cli_env(monkeypatch, tmp_path)
    data.mkdir(parents=True)
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    chat = {"session_id": 1, "agent": "Claude Code\x1b[8m", "project": EVIL_CWD, "calls": 9,
            "context_tokens": 120_000, "first_context_tokens": 9_000, "cost_per_message_usd": 0.05,
            "first_message_cost_usd": 0.01, "waste_tokens": 4_000, "waste_cost_usd": 0.4, "last_call_ms": now_ms}
    write_facts(data, {"now_ms": now_ms, "chats": [chat],
                       "spend": {"day_usd": 1.0, "week_usd": 2.0, "month_usd": 3.0},
                       "due": [{"rule": "fresh_chat", "key": "k", "title": f"Fresh chat for {EVIL_CWD}",
                                "body": "context\r\x1b[2K 120k"}]})
    holder = hold_app_lock(data / "app.lock")
    try:
        code, out, err = run_cli(capsys, "status")
        assert code == 0, err
        assert RAW_CONTROL.search(out) is None, repr(out)
        assert "Claude Code\\x1b[8m" in out and "context\\r\\x1b[2K 120k" in out
        assert not (data / "tokenpulse.sqlite3").exists()  # answered from the facts
    finally:
        stop_process(holder)


def test_every_control_character_is_escaped_and_nothing_else() -> None:
    from tokenpulse.untrusted_text import escape_controls

    controls = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
    controls += ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)),
                 *map(chr, range(0x2066, 0x206A))]
    for ch in controls:
        shown = escape_controls(f"a{ch}b")
        assert RAW_CONTROL.search(shown) is None and ch not in shown and shown.startswith("a\\"), repr(shown)
        assert escape_controls(shown) == shown  # escaping twice changes nothing
    kept = "/home/ünïcödé/项目/🙂 (x) <y> \\ \" '"
    assert escape_controls(kept) == kept
    assert escape_controls("\x1b[2J\r\n\t") == "\\x1b[2J\\r\\n\\t"


def test_json_text_is_strict_json() -> None:
    from tokenpulse.untrusted_text import json_text

    value = {"a": float("inf"), "b": [float("nan"), -float("inf"), 1.5], "c": "x\x7fy\x1b\u202e"}
    text = json_text(value)
    assert json.loads(text, parse_constant=_no_constants) == {"a": None, "b": [None, None, 1.5],
                                                              "c": "x\x7fy\x1b\u202e"}
    assert RAW_CONTROL.search(text) is None
