"""Claude Code counting rules (spec §1.4, §1.5), one small hand-written log per rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import claude_line, claude_user_line, make_workspace, totals, write_lines

P = "claude/projects/-home-u-proj"


def _scan(tmp_path: Path, ws=None):  # type: ignore[no-untyped-def]
    own = ws is None
    ws = ws or make_workspace(tmp_path, claude=tmp_path / "claude", sources=["claude-code"])
    try:
        summary = ws.scan()
        return summary, totals(ws.conn)
    finally:
        if own:
            ws.close()


# ---- P1: streaming duplicates ----------------------------------------------------------------

@pytest.mark.parametrize("outputs", [(3, 172, 172), (172, 172, 3), (1, 598, 1, 1)], ids=str)
def test_streaming_duplicates_keep_max_output(tmp_path: Path, outputs: tuple[int, ...]) -> None:
    write_lines(tmp_path / P / "s.jsonl",
                [claude_line(output=o, input=4, cache_write=1210, cache_read=18344) for o in outputs])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["input"], t["cache_write"], t["cache_read"], t["output"]) == (1, 4, 1210, 18344,
                                                                                        max(outputs))
    assert summary.usage_records == len(outputs)
    assert summary.duplicates == len(outputs) - 1


@pytest.mark.parametrize("first,second", [(8, 322), (322, 8)])
def test_streaming_duplicates_across_scans(tmp_path: Path, first: int, second: int) -> None:
    f = write_lines(tmp_path / P / "s.jsonl", [claude_line(output=first)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        _scan(tmp_path, ws)
        write_lines(f, [claude_line(output=second)], mode="a")
        summary, t = _scan(tmp_path, ws)
    finally:
        ws.close()
    assert (t["calls"], t["output"]) == (1, 322)
    assert summary.calls_updated == (1 if second > first else 0)


def test_streaming_tie_on_output_takes_larger_input_side(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(output=5, cache_read=100),
                                           claude_line(output=5, cache_read=300),
                                           claude_line(output=5, cache_read=200)])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["cache_read"], t["output"]) == (1, 300, 5)


def test_distinct_keys_are_all_counted(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i) for i in
                                           range(1, 6)])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (5, 15)


def test_same_message_id_other_request_is_another_call(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m", req_id="r1", output=5),
                                           claude_line(msg_id="m", req_id="r2", output=7)])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 12)


# ---- P3: resumed session replays history in a new file ----------------------------------------

@pytest.mark.parametrize("names", [("a-orig.jsonl", "b-resumed.jsonl"), ("b-orig.jsonl", "a-resumed.jsonl")])
def test_resumed_session_replay_counted_once(tmp_path: Path, names: tuple[str, str]) -> None:
    orig, resumed = names
    history = [claude_line(msg_id="m1", req_id="r1", output=10, session="s-old"),
               claude_line(msg_id="m2", req_id="r2", output=20, session="s-old")]
    write_lines(tmp_path / P / orig, history)
    replay = [claude_line(msg_id="m1", req_id="r1", output=10, session="s-new"),
              claude_line(msg_id="m2", req_id="r2", output=20, session="s-new"),
              claude_line(msg_id="m3", req_id="r3", output=40, session="s-new")]
    write_lines(tmp_path / P / resumed, replay)
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (3, 70)


def test_resumed_session_replay_in_a_later_scan(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "orig.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10, session="s1")])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        _scan(tmp_path, ws)
        write_lines(tmp_path / P / "resumed.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10, session="s2"),
                                                     claude_line(msg_id="m9", req_id="r9", output=1, session="s2")])
        _, t = _scan(tmp_path, ws)
    finally:
        ws.close()
    assert (t["calls"], t["output"]) == (2, 11)


# ---- P4: sub-agent files -----------------------------------------------------------------------

def test_subagent_files_are_counted(tmp_path: Path) -> None:
    sid = "11111111-2222-4333-8444-555555555555"
    write_lines(tmp_path / P / f"{sid}.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10, session=sid)])
    # 2.1.x layout
    write_lines(tmp_path / P / sid / "subagents" / "agent-abc123.jsonl",
                [claude_line(msg_id="m2", req_id="r2", output=20, session=sid, sidechain=True, agent_id="abc123",
                             model="claude-haiku-4-5-20251001")])
    (tmp_path / P / sid / "subagents" / "agent-abc123.meta.json").write_text(
        json.dumps({"agentType": "general", "usage": {"output_tokens": 999}}))
    # 2.0.x layout: agent-<hex>.jsonl next to the session
    write_lines(tmp_path / P / "agent-deadbeef.jsonl",
                [claude_line(msg_id="m3", req_id="r3", output=40, session=sid, sidechain=True)])
    # workflow journal: carries no usage of its own and is skipped
    write_lines(tmp_path / P / sid / "subagents" / "workflows" / "wf" / "journal.jsonl",
                [claude_line(msg_id="m4", req_id="r4", output=800, session=sid)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        _, t = _scan(tmp_path, ws)
        sessions = {r[0]: r[1] for r in ws.conn.execute("SELECT session_key, parent_key FROM chat_session")}
        models = {r[0] for r in ws.conn.execute("SELECT model FROM api_call")}
    finally:
        ws.close()
    assert (t["calls"], t["output"]) == (3, 70)
    assert sessions[f"{sid}:abc123"] == sid
    assert sessions[f"{sid}:deadbeef"] == sid
    assert sessions[sid] is None
    assert "claude-haiku-4-5-20251001" in models


def test_inline_sidechain_lines_are_counted(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10),
                                           claude_line(msg_id="m2", req_id="r2", output=20, sidechain=True)])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 30)


# ---- §1.4 step 7: sidechain replay of a main message under another requestId ------------------

def _main(out: int = 50) -> str:
    return claude_line(msg_id="m-main", req_id="r-main", output=out, cache_read=9000)


def _replay(out: int = 50) -> str:
    return claude_line(msg_id="m-main", req_id="r-side", output=out, cache_read=9000, sidechain=True,
                       agent_id="btw")


def _side_own() -> str:
    return claude_line(msg_id="m-side", req_id="r-side2", output=7, cache_read=100, sidechain=True, agent_id="btw")


@pytest.mark.parametrize("order", ["main-file-first", "replay-file-first"])
def test_sidechain_replay_dropped_in_one_scan(tmp_path: Path, order: str) -> None:
    main_name, side_name = ("a.jsonl", "b.jsonl") if order == "main-file-first" else ("b.jsonl", "a.jsonl")
    write_lines(tmp_path / P / main_name, [_main()])
    write_lines(tmp_path / P / side_name, [_replay(), _side_own()])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"], t["cache_read"]) == (2, 57, 9100)
    assert summary.replays_dropped == 1


@pytest.mark.parametrize("order", ["main-first", "replay-first"])
def test_sidechain_replay_dropped_across_scans(tmp_path: Path, order: str) -> None:
    first, second = ((P + "/main.jsonl", [_main()]), (P + "/side.jsonl", [_replay(), _side_own()]))
    if order == "replay-first":
        first, second = second, first
    write_lines(tmp_path / first[0], first[1])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        _scan(tmp_path, ws)
        write_lines(tmp_path / second[0], second[1])
        summary, t = _scan(tmp_path, ws)
    finally:
        ws.close()
    assert (t["calls"], t["output"], t["cache_read"]) == (2, 57, 9100)
    assert summary.replays_dropped == 1
    # a fresh workspace (new process) scanning nothing new keeps the same totals
    _, again = _scan(tmp_path)
    assert again == t


def test_sidechain_replay_dropped_in_same_file(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [_replay(), _main(), _side_own()])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 57)


def test_sidechain_copy_with_same_request_is_an_ordinary_duplicate(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [_main(10), claude_line(msg_id="m-main", req_id="r-main", output=50,
                                                                   cache_read=9000, sidechain=True)])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (1, 50)


def test_sidechain_only_messages_are_kept(tmp_path: Path) -> None:
    """A sidechain message whose id never appears in the main chat is a real sub-agent call."""
    write_lines(tmp_path / P / "s.jsonl", [_side_own(), claude_line(msg_id="m-x", req_id="r-x", output=3)])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 10)
    assert summary.replays_dropped == 0


# ---- P7, line selection --------------------------------------------------------------------------

def test_synthetic_skipped(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", output=10),
        claude_line(msg_id="m2", req_id="r2", output=500, input=3, model="<synthetic>", isApiErrorMessage=True),
    ])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (1, 10)
    assert summary.skipped["synthetic message (no API call)"] == 1


def test_line_without_type_but_with_usage_counted(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "session-alpha" / "chat.jsonl", [
        claude_line(msg_id="m1", req_id="r1", output=10, type_=None),
        claude_line(msg_id="m2", req_id="r2", output=20, type_=None, costUSD=0.01),
    ])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 30)


@pytest.mark.parametrize("type_", ["user", "progress", "summary", "system"])
def test_other_line_types_with_top_level_usage_not_counted(tmp_path: Path, type_: str) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10),
                                           claude_line(msg_id="m2", req_id="r2", output=99, type_=type_)])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (1, 10)


def test_nested_usage_in_progress_line_not_counted(tmp_path: Path) -> None:
    nested = json.loads(claude_line(msg_id="m-sub", req_id="r-sub", output=777, sidechain=True))
    progress = {"type": "progress", "sessionId": "sess-1", "timestamp": "2026-03-01T10:00:01.000Z",
                "data": {"type": "agent_progress", "message": nested}, "toolUseID": "toolu_1",
                "parentToolUseID": "toolu_1"}
    tool_result = {"type": "user", "sessionId": "sess-1", "timestamp": "2026-03-01T10:00:02.000Z",
                   "message": {"role": "user", "content": [{"type": "tool_result", "content": "ok"}]},
                   "toolUseResult": {"usage": {"input_tokens": 5, "output_tokens": 666}, "totalTokens": 671}}
    write_lines(tmp_path / P / "s.jsonl", [claude_user_line(), json.dumps(progress), json.dumps(tool_result),
                                           claude_line(msg_id="m1", req_id="r1", output=10)])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (1, 10)
    assert summary.lines_skipped == 0


# ---- P2: dedupe key edge cases ---------------------------------------------------------------

def test_missing_request_id_dedupes_on_message_id(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m1", req_id=None, output=o) for o in (3, 90, 40)])
    write_lines(tmp_path / P / "t.jsonl", [claude_line(msg_id="m1", req_id=None, output=90, session="other")])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (1, 90)


def test_missing_message_id_counted_as_is(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [
        claude_line(msg_id=None, req_id=None, output=3, ts="2026-03-01T10:00:00.000Z"),
        claude_line(msg_id=None, req_id=None, output=4, ts="2026-03-01T10:00:05.000Z"),
        claude_line(msg_id=None, req_id="r9", output=5, ts="2026-03-01T10:00:09.000Z"),
    ])
    _, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (3, 12)


def test_null_and_missing_counts_are_zero(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", output=10, cache_read=None, cache_write=None),
        claude_line(msg_id="m2", req_id="r2", output=20, omit=("cache_read_input_tokens",
                                                               "cache_creation_input_tokens")),
    ])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"], t["cache_read"], t["cache_write"], t["input"]) == (2, 30, 0, 0, 10)
    assert summary.lines_skipped == 0


def test_cache_write_split_by_ttl(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", cache_write=100, one_hour=40),
        claude_line(msg_id="m2", req_id="r2", cache_write=50),  # no breakdown: all 5-minute writes
    ])
    _, t = _scan(tmp_path)
    assert (t["cache_write_5m"], t["cache_write_1h"]) == (110, 40)


def test_model_attributed_per_line(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", output=10, model="claude-opus-4-5-20251101"),
        claude_line(msg_id="m2", req_id="r2", output=20, model="claude-haiku-4-5-20251001"),
    ])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        rows = dict(ws.conn.execute("SELECT model, output FROM api_call").fetchall())
        (models,) = ws.conn.execute("SELECT models FROM chat_session").fetchone()
    finally:
        ws.close()
    assert rows == {"claude-opus-4-5-20251101": 10, "claude-haiku-4-5-20251001": 20}
    assert set(models.split(",")) == set(rows)


def test_project_from_cwd_and_worktrees_fold(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", session="a", cwd="/home/u/proj"),
        claude_line(msg_id="m2", req_id="r2", session="b", cwd="/home/u/proj/.claude/worktrees/agent-x1"),
    ])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        projects = {r[0] for r in ws.conn.execute("SELECT project FROM chat_session")}
    finally:
        ws.close()
    assert projects == {"/home/u/proj"}
