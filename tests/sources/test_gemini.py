"""Gemini CLI: golden totals on shared/samples/gemini (read in place) and counting rules on logs written here."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import agent_workspace, jsonl, pick, scan_agent, write_json

from helpers import samples, totals

KEYS = ("calls", "input", "cache_read", "cache_write", "output", "reasoning")

# By hand from the sample messages (cached ⊂ input; thoughts and tool are 0 in every sample message):
#   small.json       m2            input 10,                 cached 0       output 5
#   jsonl_v040.jsonl g-assistant-1 input 11 855,             cached 0       output 81
#                    g-assistant-2 input 12 069 − 11 502 = 567, cached 11 502, output 147
SMALL_JSON = {"calls": 1, "input": 10, "cache_read": 0, "cache_write": 0, "output": 5, "reasoning": 0}
JSONL_V040 = {"calls": 2, "input": 11855 + 567, "cache_read": 11502, "cache_write": 0, "output": 81 + 147,
              "reasoning": 0}
WHOLE = {k: SMALL_JSON[k] + JSONL_V040[k] for k in KEYS}  # input 12 432 = ccusage's inputTokens


def test_samples_in_place(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "gemini", gemini=samples("gemini"))
    assert pick(got, *KEYS) == WHOLE
    assert summary.lines_skipped == 0, summary.skipped
    assert summary.usage_records == 3


def _parse_in_place(path: Path) -> dict[str, int]:
    """The source's own readers on one sample file, read where it lies."""
    from tokenpulse.sources.gemini import GeminiSource

    source = GeminiSource()
    if source.file_kind(path) == "document":
        calls = source.read_document(path, path.read_bytes()).calls
    else:
        parser = source.parser(path, None)
        calls = [c for line in path.read_bytes().splitlines() if (c := parser.feed(line)) is not None]
    return {"calls": len(calls), "input": sum(c.input for c in calls), "cache_read": sum(c.cache_read for c in calls),
            "cache_write": sum(c.cache_write for c in calls), "output": sum(c.output for c in calls),
            "reasoning": sum(c.reasoning for c in calls)}


@pytest.mark.parametrize("name,expected", [("agent-sessions__small.json", SMALL_JSON),
                                           ("agent-sessions__jsonl_v040.jsonl", JSONL_V040)])
def test_each_sample_file(name: str, expected: dict[str, int]) -> None:
    assert _parse_in_place(samples("gemini") / name) == expected


def test_sample_models_and_sessions(tmp_path: Path) -> None:
    ws = agent_workspace(tmp_path, ["gemini"], gemini=samples("gemini"))
    try:
        ws.scan()
        rows = ws.conn.execute("SELECT s.session_key, c.model FROM api_call c JOIN chat_session s"
                               " ON s.id = c.session_id ORDER BY c.ts_ms").fetchall()
    finally:
        ws.close()
    assert rows == [("session-2026-01-16T18-34-3739ef95", "gemini-3-flash-preview"),
                    ("gemini_stage0_jsonl", "gemini-3-flash-preview"),
                    ("gemini_stage0_jsonl", "gemini-3-flash-preview")]


# ---------------------------------------------------------------------------------------------
# Rules, on chat files written here
# ---------------------------------------------------------------------------------------------

def _msg(mid: str, ts: str = "2026-03-01T10:00:00.000Z", **tokens: int) -> dict[str, Any]:
    base = {"input": 0, "output": 0, "cached": 0, "thoughts": 0, "tool": 0}
    base.update(tokens)
    base["total"] = base["input"] + base["output"] + base["thoughts"] + base["tool"]
    return {"id": mid, "timestamp": ts, "type": "gemini", "model": "gemini-2.5-pro", "content": "x",
            "tokens": base}


def _doc(*messages: dict[str, Any], session: str = "s-1") -> dict[str, Any]:
    return {"sessionId": session, "projectHash": "abc", "startTime": "2026-03-01T09:59:00.000Z",
            "lastUpdated": "2026-03-01T10:00:00.000Z",
            "messages": [{"id": "u1", "type": "user", "content": "hi", "timestamp": "2026-03-01T09:59:30Z"},
                         *messages]}


def _chat(root: Path, name: str = "session-2026-03-01T10-00-abc.json") -> Path:
    return root / "h1" / "chats" / name


def _got(tmp_path: Path, root: Path) -> dict[str, int]:
    return pick(scan_agent(tmp_path / "ws", "gemini", gemini=root)[1], *KEYS)


def test_cached_is_part_of_input_and_thoughts_are_output(tmp_path: Path) -> None:
    root = tmp_path / "g"
    write_json(_chat(root), _doc(_msg("m1", input=1000, cached=600, output=50, thoughts=30, tool=7)))
    assert _got(tmp_path, root) == {"calls": 1, "input": 1000 - 600 + 7, "cache_read": 600, "cache_write": 0,
                                    "output": 80, "reasoning": 30}


def test_document_rewritten_each_turn_counts_each_message_once(tmp_path: Path) -> None:
    root = tmp_path / "g"
    path = write_json(_chat(root), _doc(_msg("m1", input=100, output=10)))
    ws = agent_workspace(tmp_path, ["gemini"], gemini=root)
    try:
        ws.scan()
        # the next turn rewrites the whole file with the old message and a new one
        write_json(path, _doc(_msg("m1", input=100, output=10),
                              _msg("m2", "2026-03-01T10:01:00.000Z", input=200, output=20)))
        os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 1_000_000))
        second = ws.scan()
        third = ws.scan()
        got = totals(ws.conn, "gemini")
    finally:
        ws.close()
    assert pick(got, "calls", "input", "output") == {"calls": 2, "input": 300, "output": 30}
    assert second.calls_new == 1 and second.duplicates == 0
    assert third.files_unchanged == 1 and third.files_read == 0


def test_jsonl_message_rewritten_keeps_one_record_the_final_one(tmp_path: Path) -> None:
    root = tmp_path / "g"
    header = {"sessionId": "s-2", "projectHash": "abc", "startTime": "2026-03-01T09:59:00.000Z"}
    path = jsonl(_chat(root, "session-s-2.jsonl"), [header, _msg("g1", input=500, output=0),
                                                    {"$set": {"lastUpdated": "2026-03-01T10:00:01Z"}},
                                                    _msg("g1", input=500, output=40)])
    assert _got(tmp_path / "a", root) == {"calls": 1, "input": 500, "cache_read": 0, "cache_write": 0,
                                          "output": 40, "reasoning": 0}
    # an incremental read: the session id comes from the header read earlier (parser state)
    ws = agent_workspace(tmp_path / "b", ["gemini"], gemini=root)
    try:
        ws.scan()
        jsonl(path, [_msg("g2", "2026-03-01T10:02:00Z", input=10, output=1)], mode="a")
        ws.scan()
        sessions = {r[0] for r in ws.conn.execute("SELECT session_key FROM chat_session")}
        got = totals(ws.conn, "gemini")
    finally:
        ws.close()
    assert sessions == {"s-2"}
    assert pick(got, "calls", "input", "output") == {"calls": 2, "input": 510, "output": 41}


def test_same_session_in_json_and_jsonl_counts_once(tmp_path: Path) -> None:
    root = tmp_path / "g"
    write_json(_chat(root), _doc(_msg("m1", input=100, output=10), session="s-3"))
    jsonl(_chat(root, "session-s-3.jsonl"), [{"sessionId": "s-3"}, _msg("m1", input=100, output=10)])
    assert _got(tmp_path, root)["calls"] == 1


def test_other_gemini_files_are_not_chats(tmp_path: Path) -> None:
    root = tmp_path / "g"
    write_json(root / "h1" / "logs.json", [{"sessionId": "s", "type": "user", "message": "hi"}])
    write_json(root / "h1" / "checkpoint-x.json", [{"role": "user", "parts": [{"text": "hi"}]}])
    write_json(root / "h1" / "settings.json", {"theme": "dark"})
    summary, got = scan_agent(tmp_path, "gemini", gemini=root)
    assert got["calls"] == 0
    assert summary.lines_skipped == 0, summary.skipped


def test_torn_document_is_read_again_when_complete(tmp_path: Path) -> None:
    root = tmp_path / "g"
    path = _chat(root)
    path.parent.mkdir(parents=True)
    full = write_json(tmp_path / "full.json", _doc(_msg("m1", input=100, output=10))).read_bytes()
    path.write_bytes(full[: len(full) // 2])  # caught mid-rewrite
    ws = agent_workspace(tmp_path, ["gemini"], gemini=root)
    try:
        first = ws.scan()
        path.write_bytes(full)
        ws.scan()
        got = totals(ws.conn, "gemini")
    finally:
        ws.close()
    assert first.skipped == {"torn or malformed JSON document": 1}
    assert got["calls"] == 1


def test_invalid_counts_and_placeholders(tmp_path: Path) -> None:
    root = tmp_path / "g"
    bad = _msg("m2", input=10, output=1)
    bad["tokens"]["output"] = -5
    empty = _msg("m3")  # all zero: a placeholder written before the response
    write_json(_chat(root), _doc(_msg("m1", input=100, output=10), bad, empty))
    summary, got = scan_agent(tmp_path, "gemini", gemini=root)
    assert got["calls"] == 1
    assert summary.skipped == {"invalid token counts": 1}


def test_missing_message_timestamp_uses_the_session_start(tmp_path: Path) -> None:
    root = tmp_path / "g"
    msg = _msg("m1", input=100, output=10)
    del msg["timestamp"]
    write_json(_chat(root), _doc(msg))
    ws = agent_workspace(tmp_path, ["gemini"], gemini=root)
    try:
        ws.scan()
        (ts,) = ws.conn.execute("SELECT ts_ms FROM api_call").fetchone()
    finally:
        ws.close()
    assert ts == 1772359140000  # 2026-03-01T09:59:00Z, the document's startTime


def test_default_root_is_home_gemini_tmp(tmp_path: Path) -> None:
    from tokenpulse.sources.gemini import GeminiSource

    assert GeminiSource().roots({}, tmp_path) == [tmp_path / ".gemini" / "tmp"]
    assert GeminiSource().roots({"GEMINI_DATA_DIR": "/a, /b"}, tmp_path) == [Path("/a"), Path("/b")]

