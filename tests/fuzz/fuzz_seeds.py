"""Seeds, dictionary and sentinel records for the fuzz harness, written for it after docs/log-formats.md."""

from __future__ import annotations

import json
from typing import Any


def _line(record: Any) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


TS = "2026-03-01T10:15:42.123Z"
CLAUDE = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/ü/demo", "sessionId": "s-1",
          "version": "2.1.114", "gitBranch": "main", "type": "assistant", "uuid": "u-1", "timestamp": TS,
          "requestId": "req_1", "message": {
              "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
              "content": [{"type": "text", "text": "hi"}], "stop_reason": None,
              "usage": {"input_tokens": 4, "cache_creation_input_tokens": 1210, "cache_read_input_tokens": 18344,
                        "cache_creation": {"ephemeral_5m_input_tokens": 1210, "ephemeral_1h_input_tokens": 0},
                        "output_tokens": 87, "service_tier": "standard"}}}
CLAUDE_USER = {"type": "user", "sessionId": "s-1", "timestamp": TS, "message": {"role": "user", "content": "hello"}}
CODEX_META = {"timestamp": TS, "type": "session_meta", "payload": {
    "id": "0199aaaa-0000-7000-8000-000000000001", "timestamp": TS, "cwd": "/home/u/p", "originator": "codex_cli_rs",
    "cli_version": "0.77.0", "source": {"subagent": {"thread_spawn": {"parent_thread_id": "p-1"}}},
    "forked_from_id": None}}
CODEX_TURN = {"timestamp": TS, "type": "turn_context", "payload": {"cwd": "/home/u/p", "model": "gpt-5.2-codex"}}
CODEX_USAGE = {"input_tokens": 1200, "cached_input_tokens": 1000, "output_tokens": 80, "reasoning_output_tokens": 30,
               "total_tokens": 1280}
CODEX_TC = {"timestamp": TS, "type": "event_msg", "payload": {"type": "token_count", "info": {
    "total_token_usage": CODEX_USAGE, "last_token_usage": CODEX_USAGE, "model_context_window": 258400},
    "rate_limits": {"primary": {"used_percent": 1.0}}}}
GEMINI_HEADER = {"sessionId": "g-s", "projectHash": "ab" * 32, "startTime": TS, "lastUpdated": TS, "kind": "main"}
GEMINI_MSG = {"id": "g-1", "timestamp": TS, "type": "gemini", "content": "", "thoughts": [],
              "tokens": {"input": 11855, "output": 81, "cached": 100, "thoughts": 12, "tool": 3, "total": 11951},
              "model": "gemini-3-flash-preview"}
QWEN = {"uuid": "q-1", "parentUuid": None, "sessionId": "q-s", "timestamp": TS, "type": "assistant", "cwd": "/tmp/q",
        "model": "qwen3-coder-plus", "message": {"role": "model", "parts": [{"text": "ok"}]},
        "usageMetadata": {"promptTokenCount": 500, "candidatesTokenCount": 20, "thoughtsTokenCount": 5,
                          "cachedContentTokenCount": 100, "totalTokenCount": 525}}
COPILOT = {"type": "span", "traceId": "t-1", "spanId": "s-1", "name": "chat claude-sonnet-4.5",
           "startTime": [1772360139, 0], "endTime": [1772360142, 967317833], "attributes": {
               "gen_ai.operation.name": "chat", "gen_ai.response.model": "claude-sonnet-4.5",
               "gen_ai.conversation.id": "c-1", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10,
               "gen_ai.usage.cache_read.input_tokens": 40, "gen_ai.usage.cache_creation.input_tokens": 5,
               "gen_ai.usage.reasoning.output_tokens": 2}}
COPILOT_OTLP = {"traceId": "t-2", "spanId": "s-2", "name": "chat gpt-5", "endTimeUnixNano": "1772360142967317833",
                "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                               {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "300"}},
                               {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "30"}}]}
OPENCODE = {"id": "msg_1", "sessionID": "ses_1", "role": "assistant",
            "time": {"created": 1772360139000, "completed": 1772360142000}, "modelID": "claude-sonnet-4-5",
            "providerID": "anthropic", "path": {"cwd": "/home/u/p", "root": "/home/u/p"}, "cost": 0.01,
            "tokens": {"input": 20, "output": 300, "reasoning": 10, "cache": {"read": 5000, "write": 200}}}


PI = {"type": "message", "id": "aa000004", "parentId": "aa000003", "timestamp": TS,
      "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}], "provider": "anthropic",
                  "model": "claude-sonnet-4-5", "usage": {"input": 12, "output": 480, "cacheRead": 0, "cacheWrite": 3100,
                                                          "totalTokens": 3592, "cost": {"total": 0.01}},
                  "stopReason": "stop", "timestamp": 1772360139000}}
PI_HEADER = {"type": "session", "version": 3, "id": "5f0c1a2b", "timestamp": TS, "cwd": "/home/u/p"}
PI_MODEL = {"type": "model_change", "id": "aa000001", "timestamp": TS, "provider": "openai", "modelId": "gpt-5.2"}
KIMI = {"timestamp": 1772360139.5, "message": {"type": "StatusUpdate", "payload": {"token_usage": {
    "input_other": 1244, "output": 155, "input_cache_read": 69376, "input_cache_creation": 0},
    "message_id": "chatcmpl-1"}}}
AMP = {"id": "T-1", "messages": [{"role": "assistant", "messageId": 1, "usage": {
    "model": "claude-sonnet-4-5", "inputTokens": 12, "outputTokens": 340, "cacheCreationInputTokens": 2100,
    "cacheReadInputTokens": 0, "timestamp": TS}}],
       "usageLedger": {"events": [{"id": "ev-1", "timestamp": TS, "model": "claude-sonnet-4-5",
                                   "tokens": {"input": 12, "output": 340}, "toMessageId": 1}]}}
DROID = {"model": "custom:Claude-Sonnet-4.5-[Anthropic]", "providerLockTimestamp": TS,
         "tokenUsage": {"inputTokens": 2100, "outputTokens": 5400, "cacheCreationTokens": 30000,
                        "cacheReadTokens": 410000, "thinkingTokens": 800}}
TASK = [{"ts": 1772360139000, "type": "say", "say": "api_req_started", "text": json.dumps(
    {"request": "x", "tokensIn": 12, "tokensOut": 420, "cacheWrites": 9800, "cacheReads": 0, "apiProtocol": "openai"}),
    "modelInfo": {"providerId": "anthropic", "modelId": "claude-sonnet-4-5", "mode": "act"}},
    {"ts": 1772360140000, "type": "say", "say": "text", "text": "answer"}]


def _lines(*records: Any) -> bytes:
    return b"\n".join(_line(r) for r in records)


SEEDS: dict[str, list[bytes]] = {
    "claude-code": [_lines(CLAUDE_USER, CLAUDE, CLAUDE), _line(CLAUDE)],
    "codex": [_lines(CODEX_META, CODEX_TURN, CODEX_TC, CODEX_TC), _line(CODEX_TC)],
    "gemini": [_lines(GEMINI_HEADER, {"$set": {"lastUpdated": TS}}, GEMINI_MSG)],
    "qwen": [_lines(QWEN, dict(QWEN, type="system", subtype="ui_telemetry"))],
    "copilot-cli": [_lines(COPILOT, COPILOT_OTLP)],
    "gemini-document": [_line(dict(GEMINI_HEADER, messages=[{"id": "u", "type": "user", "content": "x"}, GEMINI_MSG]))],
    "opencode-document": [_line(OPENCODE)],
    "opencode-database": [_lines(OPENCODE, dict(OPENCODE, id="msg_2", time={"created": 1772360139000}))],
    "line-reader": [b"\x00" + _lines(CLAUDE, CLAUDE_USER) + b"\n{half", b"\x01a\nbb\n\nccc"],
    "pi-agent": [_lines(PI_HEADER, PI_MODEL, PI), _line(PI)],
    "openclaw": [_lines(PI_HEADER, PI_MODEL, dict(PI, message={**PI["message"], "model": None}))],
    "kimi": [_lines({"type": "metadata", "protocol_version": "1.3"}, KIMI), _line(KIMI)],
    "amp-document": [_line(AMP), _line(dict(AMP, usageLedger=None))],
    "droid-document": [_line(DROID)],
    "task-document": [_line(TASK)],
    "goose-database": [b"s1|/p|2026-01-11 08:00:00|{\"model_name\": \"gpt-5\"}|||52000|3100\nx|y|z"],
    "hermes-database": [b"s1|gpt-5||1768294800|1200|3000|250000|18000\ns2|m|s1|x|-1|2|3|4"],
}

# Valid records fed after the fuzzed input: each must still give its call (its ids appear in no seed, and a
# stamp at the end of the parsers' window is never before a fuzzed fork's start).
_END = "2100-01-01T00:00:00Z"
SENTINELS: dict[str, bytes] = {
    "claude-code": _line(dict(CLAUDE, timestamp=_END, requestId="zz-sentinel-req",
                              message=dict(CLAUDE["message"], id="zz-sentinel-msg"))),
    "codex": _line({"timestamp": _END, "type": "event_msg", "payload": {"type": "token_count", "info": {
        "last_token_usage": {"input_tokens": 7, "output_tokens": 3}}}}),
    "gemini": _line(dict(GEMINI_MSG, id="zz-sentinel", timestamp=_END)),
    "qwen": _line(dict(QWEN, uuid="zz-sentinel", timestamp=_END)),
    "copilot-cli": _line(dict(COPILOT, traceId="zz-sentinel", spanId="zz-sentinel")),
    "opencode": _line({"role": "assistant", "time": {"created": 1772360139000, "completed": 1772360142000},
                       "tokens": {"input": 7, "output": 3}}),
    "pi-agent": _line(dict(PI, timestamp=_END, message={**PI["message"], "usage": {"input": 7, "output": 3}})),
    "openclaw": _line(dict(PI, timestamp=_END, message={**PI["message"], "timestamp": 4_102_444_800_000,
                                                         "usage": {"input": 7, "output": 3}})),
    "kimi": _line(dict(KIMI, timestamp=4_102_444_800.0, message={"type": "StatusUpdate", "payload": {
        "token_usage": {"input_other": 7, "output": 3}, "message_id": "zz-sentinel"}})),
}

# Tokens libFuzzer splices into inputs (ASCII: its dictionary format knows no \u escapes).
DICTIONARY = [
    '"usage"', '"message"', '"type"', '"assistant"', '"timestamp"', '"requestId"', '"sessionId"', '"id"',
    '"input_tokens"', '"output_tokens"', '"cache_creation_input_tokens"', '"cache_read_input_tokens"',
    '"cache_creation"', '"ephemeral_1h_input_tokens"', '"<synthetic>"', '"isSidechain":true', '"agentId"',
    '"token_count"', '"turn_context"', '"session_meta"', '"event_msg"', '"payload"', '"info"',
    '"total_token_usage"', '"last_token_usage"', '"cached_input_tokens"', '"reasoning_output_tokens"',
    '"forked_from_id"', '"gemini"', '"tokens"', '"cached"', '"thoughts"', '"tool"', '"$set"', '"messages"',
    '"usageMetadata"', '"promptTokenCount"', '"candidatesTokenCount"', '"thoughtsTokenCount"', '"totalTokenCount"',
    '"gen_ai.usage.input_tokens"', '"gen_ai.operation.name"', '"chat"', '"span"', '"spanId"', '"traceId"',
    '"endTime"', '"endTimeUnixNano"', '"intValue"', '"role"', '"time"', '"created"', '"completed"', '"cache"',
    '"cacheRead"', '"cacheWrite"', '"model_change"', '"StatusUpdate"', '"token_usage"', '"input_other"',
    '"usageLedger"', '"toMessageId"', '"tokenUsage"', '"api_req_started"', '"tokensIn"', '"apiProtocol"',
    "null", "true", "false", "-1", "0", "1.5", "1e400", "18446744073709551616", "9223372036854775808",
    '"2026-03-01T10:00:00Z"', '"9999-12-31T23:59:59+23:59"', "[[[[[[[[", "{\"a\":{\"a\":", "\\ud800", "\\u0000",
]
