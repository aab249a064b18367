"""pi and OpenClaw (which writes pi's session lines): golden totals on the team's fixtures and the rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agent_helpers import agent_workspace, fixture, jsonl, pick, rows, scan_agent

KEYS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning")
S1 = "5f0c1a2b-0000-4000-8000-00000000a001"
S2 = "5f0c1a2b-0000-4000-8000-00000000b002"


def test_pi_fixture_sessions(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "pi-agent", pi=fixture("pi", "sessions"))
    # By hand: 12+40+7 / 3100+600 / 0+3100+3700 / 480+220+90 in session 1 (the aborted all-zero reply is no call),
    # 1800+300 / 0 / 5000+6800 / 260+90 in session 2.
    assert pick(got, *KEYS) == {"calls": 5, "input": 2159, "cache_write": 3700, "cache_read": 18600, "output": 1140,
                                "reasoning": 0}
    assert summary.usage_records == 6
    assert summary.lines_skipped == 0, summary.skipped


def test_pi_sessions_projects_and_models(tmp_path: Path) -> None:
    ws = agent_workspace(tmp_path, ["pi-agent"], pi=fixture("pi", "sessions"))
    try:
        ws.scan()
        got = rows(ws, "pi-agent")
    finally:
        ws.close()
    assert [(r[0], r[1], r[3], r[4]) for r in got] == [
        (S1, "/home/u/proj-a", "claude-sonnet-4-5", 1767603609000),  # the line's time, not the message's
        (S1, "/home/u/proj-a", "claude-sonnet-4-5", 1767603680000),
        (S1, "/home/u/proj-a", "claude-haiku-4-5", 1767686430000),
        (S2, "/home/u/proj-b", "gpt-5", 1767700805000),
        (S2, "/home/u/proj-b", "gpt-5", 1767700840000),
    ]


def test_pi_fork_counts_the_copied_messages_once(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "pi-agent", pi=fixture("pi_fork", "sessions"))
    # session 1's three calls, and the fork's one new call (25 / 200 / 3100 / 150); its copy of session 1's
    # first answer is the same call (ccusage counts it twice: README of pi)
    assert pick(got, "calls", "input", "cache_write", "output") == {"calls": 4, "input": 12 + 40 + 7 + 25,
                                                                    "cache_write": 3700 + 200,
                                                                    "output": 480 + 220 + 90 + 150}
    assert summary.duplicates == 1


def test_pi_resumes_with_its_header_state(tmp_path: Path) -> None:
    src = fixture("pi", "sessions", "--home-u-proj-a--", f"2026-01-05T09-00-00-000Z_{S1}.jsonl")
    target = tmp_path / "s" / "--home-u-proj-a--" / "x.jsonl"  # a name without the session id: the header has it
    target.parent.mkdir(parents=True)
    lines = src.read_bytes().splitlines(keepends=True)
    target.write_bytes(b"".join(lines[:5]))
    ws = agent_workspace(tmp_path / "ws", ["pi-agent"], pi=tmp_path / "s")
    try:
        ws.scan()
        with open(target, "ab") as fh:
            fh.write(b"".join(lines[5:]))
        ws.scan()
        got = rows(ws, "pi-agent")
    finally:
        ws.close()
    assert [(r[0], r[1]) for r in got] == [(S1, "/home/u/proj-a")] * 3


def test_pi_bad_lines_are_counted(tmp_path: Path) -> None:
    ok = {"type": "message", "timestamp": "2026-01-05T09:00:09.000Z",
          "message": {"role": "assistant", "model": "m", "usage": {"input": 1, "output": 2}}}
    jsonl(tmp_path / "s" / "p" / "a_b.jsonl", [
        dict(ok, message=dict(ok["message"], usage={"totalTokens": 333})),
        dict(ok, message=dict(ok["message"], usage={"input": "12", "output": 2})),
        dict(ok, timestamp="soon", message=dict(ok["message"], timestamp=None)),
        '{"type":"message","message":{"role":"assistant","usage":{"inp',
        ok,
    ])
    summary, got = scan_agent(tmp_path / "ws", "pi-agent", pi=tmp_path / "s")
    assert got["calls"] == 1
    assert summary.skipped == {"only a total, no split by token type": 1, "invalid token counts": 1,
                               "missing or invalid timestamp": 1, "torn or malformed JSON line": 1}


def test_openclaw_fixture(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "openclaw", openclaw=fixture("openclaw"))
    assert pick(got, *KEYS) == {"calls": 4, "input": 1660 + 20 + 5 + 900, "cache_write": 4000 + 100,
                                "cache_read": 108928 + 4000 + 20000, "output": 55 + 300 + 40 + 80, "reasoning": 0}
    assert summary.lines_skipped == 0, summary.skipped
    ws = agent_workspace(tmp_path / "again", ["openclaw"], openclaw=fixture("openclaw"))
    try:
        ws.scan()
        got_rows = rows(ws, "openclaw")
    finally:
        ws.close()
    # the model of each call: the last model change (a change event, then a model snapshot), or its own
    assert [(r[0], r[3], r[4]) for r in got_rows] == [
        ("oc-main-0", "gpt-5.2", 1767682810000),  # the archived (reset) transcript still counts
        ("oc-main-1", "gpt-5.2", 1767769210000),  # the message's own time, not the line's
        ("oc-main-1", "claude-opus-4-5", 1767776410000),
        ("oc-main-1", "claude-sonnet-4-5", 1767862800000),
    ]


def test_openclaw_reads_only_agent_session_folders(tmp_path: Path) -> None:
    base = tmp_path / "oc"
    shutil.copytree(fixture("openclaw"), base)
    stray = base / "workspace" / "notes.jsonl"  # the agent's workspace may hold any JSONL: not transcripts
    jsonl(stray, [json.loads((base / "agents/main/sessions/oc-main-1.jsonl").read_text().splitlines()[3])])
    _, got = scan_agent(tmp_path / "ws", "openclaw", openclaw=base)
    assert got["calls"] == 4


def test_roots() -> None:
    from tokenpulse.sources.openclaw import OpenClawSource
    from tokenpulse.sources.pi import PiSource

    home = Path("/h")
    assert PiSource().roots({}, home) == [home / ".pi/agent/sessions"]
    assert PiSource().roots({"PI_AGENT_DIR": "/a, /b"}, home) == [Path("/a"), Path("/b")]
    assert OpenClawSource().roots({}, home) == [home / d / "agents" for d in (".openclaw", ".clawdbot", ".moltbot",
                                                                               ".moldbot")]
    assert OpenClawSource().roots({"OPENCLAW_DIR": "/o"}, home) == [Path("/o/agents")]


def test_pi_subagent_runs_stored_twice_count_once(tmp_path: Path) -> None:
    """pi's sub-agent extension keeps each run's transcript in `subagent-artifacts/` and again under the parent
    session's `<entry>/run-<n>/session.jsonl`: the same calls, counted once (as ccusage 20.0.24 does)."""
    record = {"type": "message", "id": "zz000001", "timestamp": "2026-01-05T11:00:00.000Z",
              "message": {"role": "assistant", "model": "claude-haiku-4-5", "timestamp": 1767610800000,
                          "usage": {"input": 5, "output": 7, "cacheRead": 100, "cacheWrite": 0, "totalTokens": 112}}}
    project = tmp_path / "s" / "--home-u-p--"
    jsonl(project / "subagent-artifacts" / "run1_worker_transcript.jsonl", [record])
    jsonl(project / f"2026-01-05T09-00-00-000Z_{S1}" / "aa000004" / "run-1" / "session.jsonl", [record])
    _, got = scan_agent(tmp_path / "ws", "pi-agent", pi=tmp_path / "s")
    assert pick(got, "calls", "input", "cache_read", "output") == {"calls": 1, "input": 5, "cache_read": 100,
                                                                   "output": 7}


def test_pi_session_named_by_a_file_whose_id_part_is_empty(tmp_path: Path) -> None:
    """A file named `<start time>_.jsonl` (or `_.jsonl`) without a session header: the session is the file's name,
    never empty (an empty key made every such file one chat; found by the property tests)."""
    src = fixture("pi", "sessions", "--home-u-proj-a--", f"2026-01-05T09-00-00-000Z_{S1}.jsonl")
    body = b"".join(line for line in src.read_bytes().splitlines(keepends=True) if b'"type":"session"' not in line)
    for n, name in enumerate(("_", "2026-01-05T09-00-00-000Z_")):
        folder = tmp_path / f"s{n}" / "--home-u-proj-a--"
        folder.mkdir(parents=True)
        (folder / f"{name}.jsonl").write_bytes(body)
        ws = agent_workspace(tmp_path / f"ws{n}", ["pi-agent"], pi=tmp_path / f"s{n}")
        try:
            ws.scan()
            got = rows(ws, "pi-agent")
        finally:
            ws.close()
        assert got and {r[0] for r in got} == {name}
