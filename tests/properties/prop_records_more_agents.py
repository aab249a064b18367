"""Realistic records written for these tests (after docs/log-formats.md): Gemini CLI, OpenCode and Copilot CLI."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from prop_records import Example, counts, folders, ids, models, rising_stamps, small, stamps, texts, upto

# ---------------------------------------------------------------------------------------------
# Gemini CLI: message lines of the JSONL chat, and the messages of a `session-*.json` document
# ---------------------------------------------------------------------------------------------

GEMINI_COUNTS = ("input", "output", "cached", "thoughts", "tool")


def gemini_record(draw: st.DrawFn, *, msg_id: str | None = None, stamp: str | None = None) -> Example:
    inp, out, thoughts, tool = draw(counts), draw(counts), draw(small), draw(small)
    out = out or (0 if inp + thoughts + tool else 1)
    tokens = {"input": inp, "output": out, "cached": upto(draw, inp), "thoughts": thoughts, "tool": tool,
              "total": inp + out + thoughts + tool}
    record = {"id": msg_id or draw(ids), "timestamp": stamp or draw(stamps), "type": "gemini",
              "content": draw(texts), "thoughts": [], "tokens": tokens, "model": draw(models),
              "toolCalls": [{"id": "run_shell_command_1", "name": "run_shell_command",
                             "args": {"command": "ls"}, "status": "success"}]}
    return Example(record, inp + out + thoughts + tool)


gemini_usage = st.composite(gemini_record)()


def gemini_reads(path: tuple[Any, ...]) -> bool:
    return path in {(), ("type",), ("timestamp",), ("tokens",)} or path[:2] in {("tokens", n) for n in GEMINI_COUNTS}


GEMINI_OTHER = st.one_of(
    st.builds(lambda t, x, i: {"id": i, "timestamp": t, "type": "user", "content": [{"text": x}]}, stamps, texts, ids),
    st.builds(lambda t: {"$set": {"lastUpdated": t}}, stamps),
    st.builds(lambda i, t: {"id": i, "timestamp": t, "type": "info", "content": "Request cancelled."}, ids, stamps),
    # a placeholder written before the response arrives: zero tokens, no call
    st.builds(lambda i, t: {"id": i, "timestamp": t, "type": "gemini", "content": "", "tokens": {
        "input": 0, "output": 0, "cached": 0, "thoughts": 0, "tool": 0, "total": 0}}, ids, stamps),
)
_GEMINI_OTHERS = st.lists(GEMINI_OTHER, max_size=2)


def gemini_header(session: str, stamp: str) -> dict[str, Any]:
    return {"sessionId": session, "projectHash": "0b7d" * 16, "startTime": stamp, "lastUpdated": stamp, "kind": "main"}


@st.composite
def gemini_session(draw: st.DrawFn) -> list[Any]:
    """A JSONL chat: header, then prompts, patches and answers; an answer may be written again, larger."""
    n = draw(st.integers(1, 5))
    when = rising_stamps(draw, n + 1)
    lines: list[Any] = [gemini_header(draw(ids), when[0])] if draw(st.booleans()) else []
    for i, stamp in enumerate(when[1:]):
        lines.extend(draw(_GEMINI_OTHERS))
        answer = gemini_record(draw, msg_id=f"g-{i}", stamp=stamp).record
        lines.append(answer)
        if draw(st.booleans()):
            lines.append(dict(answer, tokens=dict(answer["tokens"], output=answer["tokens"]["output"] + 7)))
    return lines


@st.composite
def gemini_document(draw: st.DrawFn) -> tuple[dict[str, Any], list[Example]]:
    """A `session-*.json` chat and its answers (the messages that must each give a call)."""
    answers = [gemini_record(draw, msg_id=f"g-{i}") for i in range(draw(st.integers(0, 5)))]
    messages: list[Any] = []
    for answer in answers:
        messages.extend(draw(_GEMINI_OTHERS))
        messages.append(answer.record)
    stamp = draw(stamps)
    return {"sessionId": draw(ids), "projectHash": "ab" * 32, "startTime": stamp, "lastUpdated": stamp,
            "messages": messages}, answers


# ---------------------------------------------------------------------------------------------
# OpenCode: one message (a database row's `data`, or a legacy `storage/message/**/msg_*.json`)
# ---------------------------------------------------------------------------------------------

epoch_ms = st.integers(1_767_225_600_000, 1_782_864_000_000)  # 2026-01-01 .. 2026-07-01


def opencode_record(draw: st.DrawFn, *, msg_id: str | None = None, completed: bool = True) -> Example:
    inp, out, reasoning, read, write = draw(counts), draw(counts), draw(small), draw(counts), draw(counts)
    out = out or (0 if inp + reasoning + read + write else 1)
    created = draw(epoch_ms)
    time: dict[str, int] = {"created": created}
    if completed:
        time["completed"] = created + draw(small) * 1000
    record = {"id": msg_id or draw(ids), "sessionID": draw(ids), "role": "assistant", "time": time,
              "parentID": "msg_parent", "modelID": draw(models), "providerID": "anthropic", "mode": "build",
              "path": {"cwd": draw(folders), "root": "/home/u/proj"}, "cost": 0.0123,
              "tokens": {"input": inp, "output": out, "reasoning": reasoning, "cache": {"read": read, "write": write}},
              "finish": "stop"}
    return Example(record, inp + out + reasoning + read + write)


opencode_usage = st.composite(opencode_record)()


def opencode_reads(path: tuple[Any, ...]) -> bool:
    return path in {(), ("role",), ("time",), ("time", "created"), ("tokens",)} or path[:1] == ("tokens",)


OPENCODE_OTHER = st.one_of(
    st.builds(lambda i, s, t: {"id": i, "sessionID": s, "role": "user", "time": {"created": t}}, ids, ids, epoch_ms),
    st.builds(lambda i, t: {"id": i, "role": "assistant", "time": {"created": t}, "error": {"name": "Abort"}},
              ids, epoch_ms),
)


# ---------------------------------------------------------------------------------------------
# Copilot CLI: OpenTelemetry spans of the file exporter (the JS SDK form, and OTLP JSON)
# ---------------------------------------------------------------------------------------------

epoch_s = st.integers(1_767_225_600, 1_782_864_000)  # 2026-01-01 .. 2026-07-01
COPILOT_ATTRS = ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens",
                 "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.reasoning.output_tokens")
_SPAN_KEYS = ("type", "traceId", "spanId", "spanContext", "name", "endTime", "startTime", "endTimeUnixNano",
              "startTimeUnixNano", "attributes")
_nanos = st.integers(0, 999_999_999)


def copilot_record(draw: st.DrawFn, *, span_id: str | None = None, otlp: bool | None = None) -> Example:
    inp, out = draw(counts), draw(counts)
    inp = inp or (0 if out else 1)
    read = upto(draw, inp)
    usage = {"gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out,
             "gen_ai.usage.cache_read.input_tokens": read,
             "gen_ai.usage.cache_creation.input_tokens": upto(draw, inp - read),
             "gen_ai.usage.reasoning.output_tokens": upto(draw, out)}
    model = draw(models)
    attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                             "gen_ai.response.model": model, "gen_ai.conversation.id": draw(ids),
                             "gen_ai.provider.name": "github", **usage}
    end, nanos = draw(epoch_s), draw(_nanos)
    span: dict[str, Any] = {"type": "span", "traceId": draw(ids), "spanId": span_id or draw(ids),
                            "parentSpanId": "00f067aa0ba902b7", "name": f"chat {model}", "kind": 2,
                            "status": {"code": 0}, "events": [], "links": [],
                            "resource": {"attributes": {"service.name": "github-copilot"}},
                            "instrumentationScope": {"name": "copilot", "version": "1.0"}}
    if otlp if otlp is not None else draw(st.booleans()):
        # OTLP JSON: attributes as key/value pairs, 64-bit integers written as strings, times in nanoseconds
        span["attributes"] = [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                              for k, v in attrs.items()]
        span["endTimeUnixNano"] = str(end * 10**9 + nanos)
        span["startTimeUnixNano"] = str((end - 3) * 10**9)
    else:
        span["attributes"] = attrs
        span["startTime"], span["endTime"] = [end - 3, 0], [end, nanos]
    return Example(span, inp + out)


copilot_usage = st.composite(lambda draw: copilot_record(draw, otlp=False))()
copilot_otlp_usage = st.composite(lambda draw: copilot_record(draw, otlp=True))()


def copilot_reads(path: tuple[Any, ...]) -> bool:
    if path[:1] != ("attributes",):
        return path == () or path[:1] in {(k,) for k in _SPAN_KEYS}
    # key/value pairs (OTLP form) are read by position: every node under them counts
    return len(path) == 1 or isinstance(path[1], int) or path[1] == "gen_ai.operation.name" or path[1] in COPILOT_ATTRS


COPILOT_OTHER = st.one_of(
    # invoke_agent roll-ups repeat their chat spans' usage: never counted
    st.builds(lambda e: dict(e.record, name="invoke_agent copilot", attributes=dict(
        e.record["attributes"], **{"gen_ai.operation.name": "invoke_agent"})), copilot_usage),
    st.builds(lambda s, t: {"type": "span", "traceId": s, "spanId": s, "name": "execute_tool bash",
                            "endTime": [t, 0], "attributes": {"gen_ai.operation.name": "execute_tool"}}, ids, epoch_s),
    st.builds(lambda n: {"type": "metric", "name": "gen_ai.client.token.usage", "value": n}, counts),
    st.builds(lambda x: {"type": "log", "body": x, "attributes": {"event.name": "copilot.turn"}}, texts),
)
_COPILOT_OTHERS = st.lists(COPILOT_OTHER, max_size=2)


@st.composite
def copilot_session(draw: st.DrawFn) -> list[Any]:
    lines: list[Any] = []
    for i in range(draw(st.integers(1, 5))):
        lines.extend(draw(_COPILOT_OTHERS))
        lines.append(copilot_record(draw, span_id=f"span-{i}").record)
    return lines
