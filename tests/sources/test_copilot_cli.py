"""Copilot CLI: the session-state sample carries no exact usage; chat spans of the OTel file export do."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agent_helpers import agent_workspace, jsonl, pick, scan_agent

from helpers import samples, totals

KEYS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning")
T = 1_775_934_264  # 2026-04-11T19:04:24Z


def test_session_state_sample_is_not_usage(tmp_path: Path) -> None:
    """shared/samples/copilot-cli is a session-state `events.jsonl`: only per-message outputTokens and shutdown
    totals, no per-call input — it must count nothing, even when it lies in the OTel folder."""
    otel = tmp_path / "otel"
    otel.mkdir()
    shutil.copyfile(samples("copilot-cli") / "agent-sessions__small.jsonl", otel / "events.jsonl")
    summary, got = scan_agent(tmp_path, "copilot-cli", copilot=otel)
    assert got["calls"] == 0
    assert summary.usage_records == 0 and summary.lines_skipped == 0, summary.skipped


def _span(span: str, *, trace: str = "trace-1", op: str = "chat", end: int = T, attrs: dict[str, Any] | None = None,
          **usage: int) -> dict[str, Any]:
    a: dict[str, Any] = {"gen_ai.operation.name": op, "gen_ai.request.model": "claude-sonnet-4.5",
                         "gen_ai.response.model": "claude-sonnet-4.5", "gen_ai.conversation.id": "conv-1"}
    a.update({f"gen_ai.usage.{k.replace('__', '.')}": v for k, v in usage.items()})
    a.update(attrs or {})
    return {"type": "span", "traceId": trace, "spanId": span, "name": f"{op} claude-sonnet-4.5",
            "startTime": [end - 3, 0], "endTime": [end, 967_317_833], "attributes": a}


def test_chat_spans_count_and_rollups_do_not(tmp_path: Path) -> None:
    otel = tmp_path / "otel"
    jsonl(otel / "copilot-otel-1.jsonl", [
        {"type": "metric", "name": "gen_ai.client.token.usage"},
        _span("chat-1", input_tokens=19452, output_tokens=281, cache_read__input_tokens=12000,
              cache_creation__input_tokens=25, reasoning__output_tokens=128),
        _span("chat-2", input_tokens=20000, output_tokens=100, cache_read__input_tokens=19000),
        # the agent span rolls its chat spans up; the inference log repeats one of them
        _span("agent-1", op="invoke_agent", input_tokens=39452, output_tokens=381),
        {"hrTime": [T, 0], "attributes": {"event.name": "gen_ai.client.inference.operation.details",
                                          "gen_ai.usage.input_tokens": 20000, "gen_ai.usage.output_tokens": 100}},
        _span("tool-1", op="execute_tool"),
    ])
    summary, got = scan_agent(tmp_path, "copilot-cli", copilot=otel)
    # input_tokens includes cache reads and writes (OTel GenAI conventions); reasoning is part of output
    assert pick(got, *KEYS) == {"calls": 2, "input": (19452 - 12000 - 25) + (20000 - 19000), "cache_write": 25,
                                "cache_read": 31000, "output": 381, "reasoning": 128}
    assert summary.usage_records == 2


def test_otlp_attribute_list_and_unix_nanos(tmp_path: Path) -> None:
    otel = tmp_path / "otel"
    rec = {"traceId": "t9", "spanId": "s9", "name": "chat gpt-5", "endTimeUnixNano": str(T * 10**9),
           "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                          {"key": "gen_ai.response.model", "value": {"stringValue": "gpt-5"}},
                          {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
                          {"key": "gen_ai.usage.cache_read.input_tokens", "value": {"intValue": "1000"}},
                          {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 30}}]}
    jsonl(otel / "x.jsonl", [rec])
    ws = agent_workspace(tmp_path, ["copilot-cli"], copilot=otel)
    try:
        ws.scan()
        row = ws.conn.execute("SELECT model, ts_ms, input, cache_read, output FROM api_call").fetchone()
    finally:
        ws.close()
    assert row == ("gpt-5", T * 1000, 200, 1000, 30)


def test_same_span_in_two_exports_counts_once(tmp_path: Path) -> None:
    otel = tmp_path / "otel"
    span = _span("chat-1", input_tokens=100, output_tokens=10)
    jsonl(otel / "a.jsonl", [span])
    jsonl(otel / "b.jsonl", [span])
    assert scan_agent(tmp_path, "copilot-cli", copilot=otel)[1]["calls"] == 1


def test_exporter_path_folder_is_read(tmp_path: Path) -> None:
    from tokenpulse.sources.copilot_cli import CopilotCliSource

    source = CopilotCliSource()
    assert source.roots({}, tmp_path) == [tmp_path / ".copilot" / "otel"]
    roots = source.roots({"COPILOT_OTEL_FILE_EXPORTER_PATH": str(tmp_path / "x" / "run.jsonl")}, tmp_path)
    assert roots == [tmp_path / ".copilot" / "otel", tmp_path / "x"]


def test_incremental_append_and_bad_lines(tmp_path: Path) -> None:
    otel = tmp_path / "otel"
    path = jsonl(otel / "a.jsonl", [_span("chat-1", input_tokens=100, output_tokens=10)])
    ws = agent_workspace(tmp_path, ["copilot-cli"], copilot=otel)
    try:
        ws.scan()
        jsonl(path, ['{"type":"span","attributes":{"gen_ai.usage.input_tokens": 4',
                     _span("chat-2", input_tokens=-1, output_tokens=1),
                     _span("chat-3", end=T + 60, input_tokens=50, output_tokens=5)], mode="a")
        second = ws.scan()
        got = totals(ws.conn, "copilot-cli")
    finally:
        ws.close()
    assert pick(got, "calls", "input", "output") == {"calls": 2, "input": 150, "output": 15}
    assert second.skipped == {"torn or malformed JSON line": 1, "invalid token counts": 1}
