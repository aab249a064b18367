"""Cline, Roo Code and Kilo Code (`tasks/<id>/ui_messages.json` in the editors' global storage): golden totals on
the team's fixtures (written after the extensions' `ClineMessage` / `ClineApiReqInfo` types) and the rules.
ccusage reads none of them, so there is no differential test: README of `cline/`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from agent_helpers import agent_workspace, fixture, pick, rows, scan_agent, write_json

KEYS = ("calls", "input", "cache_write", "cache_read", "output")
CLINE = fixture("cline", "saoudrizwan.claude-dev")
ROO = fixture("roo", "rooveterinaryinc.roo-cline")
KILO = fixture("kilocode", "kilocode.kilo-code")


def test_cline_fixture(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "cline", cline=CLINE)
    # By hand: two finished requests in the first task (12/9800/0/420, 30/600/9800/150), one in the second
    # (500/0/2000/80); the request still in flight and the cancelled one (all zero) are no calls
    assert pick(got, *KEYS) == {"calls": 3, "input": 542, "cache_write": 10400, "cache_read": 11800, "output": 650}
    assert summary.lines_skipped == 0, summary.skipped
    ws = agent_workspace(tmp_path / "again", ["cline"], cline=CLINE)
    try:
        ws.scan()
        got_rows = rows(ws, "cline")
    finally:
        ws.close()
    assert [(r[0], r[3], r[4]) for r in got_rows] == [
        ("1768640000000", "claude-sonnet-4-5-20250929", 1768640001000),
        ("1768640000000", "claude-sonnet-4-5-20250929", 1768640011000),
        ("1768726400000", "gpt-5", 1768726401000),
    ]


def test_roo_code_openai_protocol_input_holds_the_cache(tmp_path: Path) -> None:
    _, got = scan_agent(tmp_path, "roo-code", roo=ROO)
    # anthropic protocol: apart (8/1500/0/300); openai protocol: 5000 input of which 4000 were cache reads
    assert pick(got, *KEYS) == {"calls": 2, "input": 8 + 1000, "cache_write": 1500, "cache_read": 4000,
                                "output": 500}


def test_kilo_code_fixture(tmp_path: Path) -> None:
    _, got = scan_agent(tmp_path, "kilo-code", kilocode=KILO)
    # openai protocol: 12000 input holds 11000 cache reads and 500 writes; then an anthropic-protocol request
    assert pick(got, *KEYS) == {"calls": 2, "input": 500 + 20, "cache_write": 500, "cache_read": 11000 + 11500,
                                "output": 150}


def test_a_task_rewritten_as_requests_finish(tmp_path: Path) -> None:
    tasks = tmp_path / "ext" / "tasks"
    shutil.copytree(CLINE / "tasks", tasks)
    target = tasks / "1768640000000" / "ui_messages.json"
    ws = agent_workspace(tmp_path / "ws", ["cline"], cline=tmp_path / "ext")
    try:
        ws.scan()
        messages = json.loads(target.read_text())
        messages[5]["text"] = json.dumps({"request": "done now", "tokensIn": 3, "tokensOut": 40, "cacheWrites": 0,
                                          "cacheReads": 10400})
        write_json(target, messages)
        second = ws.scan()
        total = ws.conn.execute("SELECT count(*), sum(output) FROM api_call").fetchone()
    finally:
        ws.close()
    assert (second.calls_new, second.calls_updated) == (1, 0)
    assert total == (4, 650 + 40)


def test_bad_messages_are_counted_and_cost_the_others_nothing(tmp_path: Path) -> None:
    good = {"ts": 1768640001000, "type": "say", "say": "api_req_started",
            "text": json.dumps({"tokensIn": 1, "tokensOut": 2, "cacheWrites": 0, "cacheReads": 0})}
    write_json(tmp_path / "ext" / "tasks" / "t1" / "ui_messages.json", [
        good,
        dict(good, ts=1768640002000, text=json.dumps({"tokensIn": "many", "tokensOut": 2})),
        dict(good, ts=1768640003000, text='{"tokensIn": 3, "tokensO'),
        dict(good, ts="later"),
        7,
        dict(good, ts=1768640004000, text=json.dumps({"request": "x", "tokensIn": 4, "tokensOut": 1})),
    ])
    (tmp_path / "ext" / "tasks" / "t2").mkdir()
    (tmp_path / "ext" / "tasks" / "t2" / "ui_messages.json").write_text('[{"ts": 1, "say": "api_req_st')
    summary, got = scan_agent(tmp_path / "ws", "cline", cline=tmp_path / "ext")
    assert pick(got, "calls", "input") == {"calls": 2, "input": 5}
    assert summary.skipped == {"invalid token counts": 1, "torn or malformed JSON document": 2,
                               "missing or invalid timestamp": 1, "record of an unexpected shape": 1}


@pytest.mark.parametrize(("name", "extension"), [("cline", "saoudrizwan.claude-dev"),
                                                 ("roo-code", "rooveterinaryinc.roo-cline"),
                                                 ("kilo-code", "kilocode.kilo-code")])
def test_roots_cover_the_editors(name: str, extension: str) -> None:
    from tokenpulse.sources.registry import select

    source = select([name])[0]
    home = Path("/h")
    roots = source.roots({}, home)
    for editor in ("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf"):
        assert home / ".config" / editor / "User/globalStorage" / extension / "tasks" in roots
        assert home / "Library/Application Support" / editor / "User/globalStorage" / extension / "tasks" in roots
    assert home / ".vscode-server/data/User/globalStorage" / extension / "tasks" in roots
    assert Path("/c/Code/User/globalStorage", extension, "tasks") in source.roots({"XDG_CONFIG_HOME": "/c"}, home)
    assert Path("/w/Cursor/User/globalStorage", extension, "tasks") in source.roots({"APPDATA": "/w"}, home)
    assert source.roots({source.env_var: "/x, /y/tasks"}, home) == [Path("/x/tasks"), Path("/y/tasks")]


def test_only_task_folders_are_read(tmp_path: Path) -> None:
    tasks = tmp_path / "ext" / "tasks"
    shutil.copytree(CLINE / "tasks", tasks)
    deeper = tasks / "1768640000000" / "checkpoints" / "ui_messages.json"  # not a task of its own
    deeper.parent.mkdir()
    shutil.copyfile(tasks / "1768726400000" / "ui_messages.json", deeper)
    _, got = scan_agent(tmp_path / "ws", "cline", cline=tmp_path / "ext")
    assert got["calls"] == 3
