"""Realistic records written for these tests (after the agents' documented shapes, as the fixtures under
tests/agent_fixtures): the line-based agents added from ccusage's list, pi, OpenClaw and Kimi CLI."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from prop_records import Example, counts, folders, ids, iso, models, moments, small, stamps, texts

# ---------------------------------------------------------------------------------------------
# pi (and OpenClaw, which writes pi's session lines)
# ---------------------------------------------------------------------------------------------

PI_COUNTS = ("input", "output", "cacheRead", "cacheWrite")


def pi_record(draw: st.DrawFn, *, at: int | None = None) -> Example:
    inp, out, read, write = draw(counts), draw(counts), draw(small), draw(small)
    out = out or (0 if inp + read + write else 1)
    ms = draw(moments) if at is None else at
    usage = {"input": inp, "output": out, "cacheRead": read, "cacheWrite": write, "totalTokens": inp + out + read + write,
             "cost": {"input": 0.001, "output": 0.002, "cacheRead": 0.0, "cacheWrite": 0.0, "total": 0.003}}
    record = {"type": "message", "id": draw(ids), "parentId": draw(ids), "timestamp": iso(ms + 350),
              "message": {"role": "assistant", "content": [{"type": "thinking", "thinking": draw(texts)},
                                                           {"type": "text", "text": draw(texts)}],
                          "api": "anthropic-messages", "provider": "anthropic", "model": draw(models), "usage": usage,
                          "stopReason": "stop", "timestamp": ms}}
    return Example(record, inp + out + read + write)


pi_usage = st.composite(pi_record)()


def pi_reads(path: tuple[Any, ...]) -> bool:
    return (path in {(), ("type",), ("timestamp",), ("message",), ("message", "role"), ("message", "timestamp")}
            or path[:2] == ("message", "usage"))


def _user(text: str, ident: str, stamp: str) -> dict[str, Any]:
    return {"type": "message", "id": ident, "parentId": None, "timestamp": stamp,
            "message": {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1767603601000}}


PI_OTHER = st.one_of(
    st.builds(_user, texts, ids, stamps),
    st.builds(lambda i, f, t: {"type": "session", "version": 3, "id": i, "timestamp": t, "cwd": f}, ids, folders,
              stamps),
    st.builds(lambda i, m, t: {"type": "model_change", "id": i, "parentId": None, "timestamp": t,
                               "provider": "anthropic", "modelId": m}, ids, models, stamps),
    st.builds(lambda i, m: {"type": "custom", "customType": "model-snapshot", "id": i,
                            "timestamp": "2026-01-07T09:00:00.000Z",
                            "data": {"provider": "openai", "modelId": m, "timestamp": 1767776400000}}, ids, models),
    st.builds(lambda i, t: {"type": "thinking_level_change", "id": i, "timestamp": t, "thinkingLevel": "high"},
              ids, stamps),
    # an aborted reply: usage all zero, no call
    st.builds(lambda e: {**e.record, "message": {**e.record["message"], "stopReason": "aborted", "usage": {
        "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 0}}}, pi_usage),
)
_PI_OTHERS = st.lists(PI_OTHER, max_size=2)


@st.composite
def pi_session(draw: st.DrawFn) -> list[Any]:
    """A session file: its header, then prompts, model changes and answers in time order."""
    at = draw(moments)
    lines: list[Any] = []
    if draw(st.booleans()):
        lines.append({"type": "session", "version": 3, "id": draw(ids), "timestamp": iso(at), "cwd": draw(folders)})
    for i in range(draw(st.integers(1, 5))):
        lines.extend(draw(_PI_OTHERS))
        lines.append(pi_record(draw, at=at + 1000 * i).record)
    return lines


# ---------------------------------------------------------------------------------------------
# Kimi CLI: `wire.jsonl`, one StatusUpdate per model step
# ---------------------------------------------------------------------------------------------

KIMI_COUNTS = ("input_other", "output", "input_cache_read", "input_cache_creation")


def kimi_record(draw: st.DrawFn, *, at: int | None = None) -> Example:
    other, out, read, create = draw(counts), draw(counts), draw(counts), draw(small)
    out = out or (0 if other + read + create else 1)
    ms = draw(moments) if at is None else at
    usage: dict[str, Any] = {"input_other": other, "output": out, "input_cache_read": read,
                             "input_cache_creation": create}
    if draw(st.booleans()):
        usage["total"] = other + out + read + create
    record = {"timestamp": ms / 1000, "message": {"type": "StatusUpdate", "payload": {
        "context_usage": 0.07, "context_tokens": other + read + create, "max_context_tokens": 262144,
        "token_usage": usage, "message_id": draw(ids), "plan_mode": False}}}
    return Example(record, other + out + read + create)


kimi_usage = st.composite(kimi_record)()


def kimi_reads(path: tuple[Any, ...]) -> bool:
    return (path in {(), ("timestamp",), ("type",), ("message",), ("message", "type"), ("message", "payload")}
            or path[:3] == ("message", "payload", "token_usage"))


KIMI_OTHER = st.one_of(
    st.just({"type": "metadata", "protocol_version": "1.3"}),
    st.builds(lambda t, x: {"timestamp": t / 1000, "message": {"type": "TurnBegin", "payload": {"user_input": x}}},
              moments, texts),
    st.builds(lambda t: {"timestamp": t / 1000, "message": {"type": "StepBegin", "payload": {"n": 1}}}, moments),
    st.builds(lambda t, x: {"timestamp": t / 1000, "message": {"type": "ContentPart", "payload": {
        "type": "text", "text": x}}}, moments, texts),
    st.builds(lambda t, x: {"timestamp": t / 1000, "message": {"type": "ToolResult", "payload": {
        "tool_call_id": "t1", "return_value": {"is_error": False, "output": x}}}}, moments, texts),
    # a status update of a step that used nothing
    st.builds(lambda t: {"timestamp": t / 1000, "message": {"type": "StatusUpdate", "payload": {"token_usage": {
        "input_other": 0, "output": 0, "input_cache_read": 0, "input_cache_creation": 0}}}}, moments),
)
_KIMI_OTHERS = st.lists(KIMI_OTHER, max_size=2)


@st.composite
def kimi_session(draw: st.DrawFn) -> list[Any]:
    at = draw(moments)
    lines: list[Any] = [{"type": "metadata", "protocol_version": "1.3"}] if draw(st.booleans()) else []
    for i in range(draw(st.integers(1, 5))):
        lines.extend(draw(_KIMI_OTHERS))
        lines.append(kimi_record(draw, at=at + 1000 * i).record)
    return lines
