"""Qwen Code: golden totals on shared/samples/qwen and counting rules on chat files written here."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agent_helpers import agent_workspace, jsonl, pick, scan_agent

from helpers import samples

KEYS = ("calls", "input", "cache_read", "cache_write", "output", "reasoning")
SAMPLE = "splitrail__qwen_code.jsonl"

# By hand from the two assistant records' usageMetadata (the two ui_telemetry copies are not counted):
#   call 1: prompt 500, cached 0,  candidates 20, thoughts 0 → input 500,       cache read 0,  output 20
#   call 2: prompt 600, cached 50, candidates 5,  thoughts 0 → input 600 − 50, cache read 50, output 5
GOLDEN = {"calls": 2, "input": 500 + 550, "cache_read": 50, "cache_write": 0, "output": 25, "reasoning": 0}


def _qwen_home(tmp_path: Path) -> Path:
    """Qwen's layout `projects/<project>/chats/<session>.jsonl` around the sample (a copy in tmp, never the repo)."""
    home = tmp_path / "qwen"
    chats = home / "projects" / "-tmp-qwentest" / "chats"
    chats.mkdir(parents=True)
    shutil.copyfile(samples("qwen") / SAMPLE, chats / SAMPLE)
    return home


def test_sample(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "qwen", qwen=_qwen_home(tmp_path))
    assert pick(got, *KEYS) == GOLDEN
    assert summary.usage_records == 2  # the assistant records; their ui_telemetry twins are ignored
    assert summary.lines_skipped == 0, summary.skipped


def test_sample_parsed_in_place() -> None:
    from tokenpulse.sources.qwen import QwenSource

    path = samples("qwen") / SAMPLE
    parser = QwenSource().parser(path, None)
    calls = [c for line in path.read_bytes().splitlines() if (c := parser.feed(line)) is not None]
    assert [(c.input, c.cache_read, c.output) for c in calls] == [(500, 0, 20), (550, 50, 5)]
    assert {c.model for c in calls} == {"coder-model"}
    assert {c.project for c in calls} == {"/tmp/qwentest"}
    assert {c.session_key for c in calls} == {"69f0814a-8bfc-4c8e-93d3-05757f17b96f"}


def _assistant(uuid: str, ts: str = "2026-06-15T14:40:22.909Z", **usage: int) -> dict[str, Any]:
    return {"uuid": uuid, "parentUuid": None, "sessionId": "s-1", "timestamp": ts, "type": "assistant",
            "cwd": "/home/u/p", "version": "0.18.1", "model": "qwen3-coder-plus",
            "message": {"role": "model", "parts": [{"text": "ok"}]}, "usageMetadata": usage}


def _telemetry(**counts: int) -> dict[str, Any]:
    return {"uuid": "t", "sessionId": "s-1", "timestamp": "2026-06-15T14:40:22.908Z", "type": "system",
            "subtype": "ui_telemetry", "systemPayload": {"uiEvent": {"event.name": "qwen-code.api_response",
                                                                     **counts}}}


def _chat(home: Path, name: str = "s-1.jsonl") -> Path:
    return home / "projects" / "p" / "chats" / name


def test_telemetry_copy_is_never_counted(tmp_path: Path) -> None:
    home = tmp_path / "q"
    jsonl(_chat(home), [_telemetry(input_token_count=100, output_token_count=9),
                        _assistant("a1", promptTokenCount=100, candidatesTokenCount=9, totalTokenCount=109)])
    got = scan_agent(tmp_path, "qwen", qwen=home)[1]
    assert pick(got, "calls", "input", "output") == {"calls": 1, "input": 100, "output": 9}


def test_thoughts_inside_or_beside_candidates(tmp_path: Path) -> None:
    home = tmp_path / "q"
    jsonl(_chat(home), [
        # OpenAI-compatible provider: completion_tokens (incl. reasoning) → candidates; total = prompt + candidates
        _assistant("a1", promptTokenCount=100, candidatesTokenCount=50, thoughtsTokenCount=30, totalTokenCount=150),
        # Gemini-style: thoughts apart; total = prompt + candidates + thoughts
        _assistant("a2", "2026-06-15T14:41:00Z", promptTokenCount=100, candidatesTokenCount=50,
                   thoughtsTokenCount=30, totalTokenCount=180),
    ])
    got = scan_agent(tmp_path, "qwen", qwen=home)[1]
    assert pick(got, "calls", "input", "output", "reasoning") == {"calls": 2, "input": 200, "output": 50 + 80,
                                                                  "reasoning": 60}


def test_record_copied_into_another_chat_counts_once(tmp_path: Path) -> None:
    home = tmp_path / "q"
    rec = _assistant("a1", promptTokenCount=100, cachedContentTokenCount=40, candidatesTokenCount=9)
    jsonl(_chat(home, "s-1.jsonl"), [rec])
    jsonl(_chat(home, "s-2.jsonl"), [{**rec, "sessionId": "s-2"}])  # a resumed chat starting with the old history
    got = scan_agent(tmp_path, "qwen", qwen=home)[1]
    assert pick(got, "calls", "input", "cache_read", "output") == {"calls": 1, "input": 60, "cache_read": 40,
                                                                   "output": 9}


def test_only_chat_files_are_read(tmp_path: Path) -> None:
    home = tmp_path / "q"
    rec = _assistant("a1", promptTokenCount=100, candidatesTokenCount=9)
    jsonl(home / "projects" / "p" / "other.jsonl", [rec])
    jsonl(home / "tmp" / "x" / "chats" / "s.jsonl", [{**rec, "uuid": "a2"}])  # outside projects/
    assert scan_agent(tmp_path, "qwen", qwen=home)[1]["calls"] == 0


def test_bad_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    home = tmp_path / "q"
    jsonl(_chat(home), ['{"type":"assistant","usageMetadata":{"promptTokenCount": 5', "not json",
                        _assistant("a1", promptTokenCount="many", candidatesTokenCount=1),  # type: ignore[arg-type]
                        _assistant("a2", promptTokenCount=10, candidatesTokenCount=1)])
    summary, got = scan_agent(tmp_path, "qwen", qwen=home)
    assert got["calls"] == 1
    assert summary.skipped == {"torn or malformed JSON line": 2, "invalid token counts": 1}


def test_incremental_append(tmp_path: Path) -> None:
    home = tmp_path / "q"
    path = jsonl(_chat(home), [_assistant("a1", promptTokenCount=10, candidatesTokenCount=1)])
    ws = agent_workspace(tmp_path, ["qwen"], qwen=home)
    try:
        ws.scan()
        jsonl(path, [_assistant("a2", "2026-06-15T14:45:00Z", promptTokenCount=20, candidatesTokenCount=2)], mode="a")
        second = ws.scan()
        (n,) = ws.conn.execute("SELECT count(*) FROM api_call").fetchone()
    finally:
        ws.close()
    assert second.calls_new == 1 and n == 2


def test_roots(tmp_path: Path) -> None:
    from tokenpulse.sources.qwen import QwenSource

    assert QwenSource().roots({}, tmp_path) == [tmp_path / ".qwen" / "projects"]
    assert QwenSource().roots({"QWEN_DATA_DIR": "/a,/b/projects"}, tmp_path) == [Path("/a/projects"),
                                                                                 Path("/b/projects")]
