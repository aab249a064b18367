"""Realistic records written for these tests (after docs/log-formats.md): Claude Code, Codex and Qwen Code lines."""

# Each usage strategy gives an `Example`: a valid record and the `total` (context + output) its one call must
# carry, so a property can tell a counted record from a lost one without re-implementing the parser. The
# `*_record(draw, ...)` builders take hypothesis's `draw` so sessions can reuse them without building a new
# strategy per example (hypothesis validates each new strategy, which made the suite several times slower).

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Example:
    record: Any
    total: int


# Ids, names and text in every script, with the odd ones agents do write. Each is one choice for hypothesis:
# a record holds a dozen strings, and drawing them character by character made sessions several times slower
# to generate. Arbitrary text still reaches every field through the mutations of prop_hostile.
_NAMES = ["msg_01AbCdEfGhIjKlMnOpQrStUv", "req_011CAbCdEfGhIjKlMnOpQr", "0199aaaa-0000-7000-8000-000000000001", "ü",
          "会话", "😀🔥", "\u202eRTL", "a\u0301", "x" * 300, " ", "\x00", "-", "0", "null", "a\nb", "\\", "𝔘𝔫𝔦",
          "\ufeffbom", "ses_01JABCDEFGHJKMNPQRSTVWXYZ", "\U0010fffd"]
ids = st.sampled_from(_NAMES)
small = st.integers(0, 60)
counts = st.one_of(small, st.integers(0, 10**9))
models = st.sampled_from(["claude-sonnet-4-5-20250929", "claude-opus-4-7", "gpt-5.2-codex", "gemini-3-flash-preview",
                          "qwen3-coder-plus", "モデル-1", "m/with/slashes", "", " ", "x" * 300, "\x00"])
folders = st.sampled_from(["/home/u/proj", "/home/ü/プロジェクト", "/tmp/a b/c", "C:\\git\\x", "/", "",
                           "/home/u/proj/.claude/worktrees/agent-1", "/😀/\u202e"])
texts = st.sampled_from(["", "hello", "ça va? 你好 😀", "\u0000\u001f", "line\nbreak", '"quoted"', '{"usage":1}',
                         "x" * 2000])

_UTC = UTC
# Real logs span months. (A wider spread costs each end-to-end scan seconds: the local-time rollups walk every
# hour between the first and last stamp a scan touched. Stamps at the edges of the parsers' window are hostile
# values instead, in prop_hostile.tricky_strings.)
_EPOCH = datetime(1970, 1, 1)
moments = st.integers(1_767_225_600_000, 1_782_864_000_000)  # 2026-01-01 .. 2026-07-01, epoch ms
_offsets = st.sampled_from([_UTC, _UTC] + [timezone(timedelta(minutes=m)) for m in (-720, -210, 60, 330, 840)])


def iso(ms: int, tz: timezone = _UTC, spec: str = "milliseconds") -> str:
    moment = (_EPOCH + timedelta(milliseconds=ms)).replace(tzinfo=_UTC)
    return moment.astimezone(tz).isoformat(timespec=spec).replace("+00:00", "Z")


stamps = st.builds(iso, moments, _offsets, st.sampled_from(["milliseconds", "seconds", "microseconds"]))
_gaps = st.integers(0, 90_000)


def rising_stamps(draw: st.DrawFn, n: int) -> list[str]:
    """`n` stamps in file order (agents append in time order; equal stamps happen)."""
    at = draw(moments)
    out = []
    for _ in range(n):
        at += draw(_gaps)
        out.append(iso(at))
    return out


def upto(draw: st.DrawFn, high: int) -> int:
    """A number in 0..high without building an integers(0, high) strategy per draw."""
    return draw(counts) % (high + 1)


# ---------------------------------------------------------------------------------------------
# Claude Code
# ---------------------------------------------------------------------------------------------

CLAUDE_COUNTS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")


def claude_record(draw: st.DrawFn, *, msg_id: str | None = None, req_id: str | None = None,
                  output: int | None = None, stamp: str | None = None) -> Example:
    inp, write, read = draw(small), draw(counts), draw(counts)
    out = draw(counts) if output is None else output
    usage: dict[str, Any] = {"input_tokens": inp, "cache_creation_input_tokens": write,
                             "cache_read_input_tokens": read, "output_tokens": out, "service_tier": "standard",
                             "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0}}
    if draw(st.booleans()):
        hour = upto(draw, write)
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": write - hour, "ephemeral_1h_input_tokens": hour}
    record = {
        "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": draw(folders),
        "sessionId": draw(ids), "version": "2.1.114", "gitBranch": draw(ids), "type": "assistant",
        "uuid": "9a1b2c3d-0000-4000-8000-00000000000b", "timestamp": stamp or draw(stamps),
        "requestId": req_id or draw(ids),
        "message": {"id": msg_id or draw(ids), "type": "message", "role": "assistant", "model": draw(models),
                    "content": [{"type": "text", "text": draw(texts)}], "stop_reason": None,
                    "stop_sequence": None, "usage": usage},
    }
    return Example(record, inp + write + read + out)


claude_usage = st.composite(claude_record)()


def claude_reads(path: tuple[Any, ...]) -> bool:
    """Whether the Claude parser reads this node (a mutation elsewhere must not change the call)."""
    if path in {(), ("type",), ("timestamp",), ("message",), ("message", "model"), ("message", "usage")}:
        return True
    return path[:3] in {("message", "usage", name) for name in (*CLAUDE_COUNTS, "cache_creation")}


# Lines without a countable usage: prompts, summaries, system lines, progress that embeds a usage.
CLAUDE_OTHER = st.one_of(
    st.builds(lambda s, t, x: {"type": "user", "sessionId": s, "timestamp": t,
                               "message": {"role": "user", "content": x}}, ids, stamps, texts),
    st.builds(lambda x, u: {"type": "summary", "summary": x, "leafUuid": u}, texts, ids),
    st.builds(lambda t: {"type": "system", "subtype": "compact_boundary", "timestamp": t,
                         "compactMetadata": {"trigger": "auto", "preTokens": 150_000}}, stamps),
    st.builds(lambda t, n: {"type": "progress", "timestamp": t, "data": {"type": "agent_progress", "message": {
        "type": "assistant", "message": {"id": "nested", "usage": {"input_tokens": n, "output_tokens": n}}}}},
        stamps, counts),
    st.just({"type": "file-history-snapshot", "messageId": "x", "snapshot": {"trackedFileBackups": {}}}),
)
_CLAUDE_OTHERS = st.lists(CLAUDE_OTHER, max_size=2)
_streaming_outputs = st.lists(counts, min_size=1, max_size=3)


@st.composite
def claude_session(draw: st.DrawFn) -> list[Any]:
    """A transcript: calls written as several streaming copies with growing output, among other lines."""
    lines: list[Any] = []
    for turn in range(draw(st.integers(1, 4))):
        lines.extend(draw(_CLAUDE_OTHERS))
        outputs = sorted(draw(_streaming_outputs))
        first = claude_record(draw, msg_id=f"msg_{turn}_{draw(ids)}", req_id=f"req_{turn}", output=outputs[0]).record
        for out in outputs:
            usage = dict(first["message"]["usage"], output_tokens=out)
            lines.append(dict(first, message=dict(first["message"], usage=usage)))
    return lines


# ---------------------------------------------------------------------------------------------
# Codex
# ---------------------------------------------------------------------------------------------

CODEX_USAGE_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")


def codex_tokens(draw: st.DrawFn) -> dict[str, int]:
    """One call's TokenUsage (cached ⊂ input, reasoning ⊂ output), never all zero."""
    inp, out = draw(counts), draw(counts)
    out = out or (0 if inp else 1)
    return {"input_tokens": inp, "cached_input_tokens": upto(draw, inp), "output_tokens": out,
            "reasoning_output_tokens": upto(draw, out), "total_tokens": inp + out}


def codex_token_count(stamp: str, total: dict[str, int] | None, last: dict[str, int] | None) -> dict[str, Any]:
    info: dict[str, Any] = {"model_context_window": 258_400}
    if total is not None:
        info["total_token_usage"] = total
    if last is not None:
        info["last_token_usage"] = last
    return {"timestamp": stamp, "type": "event_msg", "payload": {
        "type": "token_count", "info": info,
        "rate_limits": {"primary": {"used_percent": 12.5, "window_minutes": 300, "resets_in_seconds": 900}}}}


@st.composite
def codex_usage(draw: st.DrawFn) -> Example:
    """A first token_count in a file: its last call is what counts (the total may be inherited)."""
    last = codex_tokens(draw)
    total = None
    if draw(st.booleans()):
        inherited = codex_tokens(draw)
        total = {k: inherited[k] + last[k] for k in last}
    return Example(codex_token_count(draw(stamps), total, last), last["input_tokens"] + last["output_tokens"])


def codex_reads(path: tuple[Any, ...]) -> bool:
    if path in {(), ("timestamp",), ("type",), ("payload",), ("payload", "type"), ("payload", "info")}:
        return True
    return path[:3] in {("payload", "info", "total_token_usage"), ("payload", "info", "last_token_usage")}


def codex_meta(stamp: str, thread: str, cwd: str, forked_from: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": thread, "timestamp": stamp, "cwd": cwd, "originator": "codex_cli_rs",
                               "cli_version": "0.77.0", "source": "cli", "model_provider": "openai"}
    if forked_from is not None:
        payload["forked_from_id"] = forked_from
    return {"timestamp": stamp, "type": "session_meta", "payload": payload}


_LATER = "2026-03-01T10:00:00.000Z"  # a placeholder: a session stamps each line with its own time
# Lines that are not usage (a turn_context changes the model of the calls after it).
CODEX_OTHER = st.one_of(
    st.builds(lambda m, c: {"timestamp": _LATER, "type": "turn_context", "payload": {
        "cwd": c, "approval_policy": "on-request", "model": m, "effort": "medium"}}, models, folders),
    st.builds(lambda x: {"timestamp": _LATER, "type": "response_item", "payload": {
        "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": x}]}}, texts),
    st.just({"timestamp": _LATER, "type": "event_msg",
             "payload": {"type": "token_count", "info": None, "rate_limits": {"primary": None}}}),
    st.builds(lambda x: {"timestamp": _LATER, "type": "event_msg",
                         "payload": {"type": "agent_message", "message": x}}, texts),
)
_CODEX_STEPS = st.sampled_from(["call", "call", "call", "re-emit", "reset", "other", "last-only"])


@st.composite
def codex_session(draw: st.DrawFn) -> list[Any]:
    """A rollout: meta, turns, cumulative snapshots with re-emits, resets, last-only events, a fork replay."""
    n = draw(st.integers(2, 10))
    when = rising_stamps(draw, n + 1)
    lines: list[Any] = []
    if draw(st.booleans()):
        forked = draw(st.none() | ids)
        # a fork's meta is stamped after the replayed parent lines that follow it
        lines.append(codex_meta(when[n // 2] if forked else when[0], draw(ids), draw(folders), forked))
    total: dict[str, int] | None = None
    for stamp in when[1:]:
        kind = draw(_CODEX_STEPS)
        if kind == "other" or (kind == "re-emit" and total is None):
            lines.append(dict(draw(CODEX_OTHER), timestamp=stamp))
        elif kind == "re-emit":
            lines.append(codex_token_count(stamp, total, None))
        elif kind == "last-only":
            lines.append(codex_token_count(stamp, None, codex_tokens(draw)))
        else:
            last = codex_tokens(draw)
            total = last if kind == "reset" or total is None else {k: total[k] + last[k] for k in last}
            lines.append(codex_token_count(stamp, total, last))
    return lines


# ---------------------------------------------------------------------------------------------
# Qwen Code
# ---------------------------------------------------------------------------------------------

QWEN_COUNTS = ("promptTokenCount", "cachedContentTokenCount", "candidatesTokenCount", "thoughtsTokenCount")


def qwen_record(draw: st.DrawFn) -> Example:
    prompt, candidates = draw(counts), draw(counts)
    prompt = prompt or (0 if candidates else 1)
    thoughts_apart = draw(st.booleans())  # Gemini-style: thoughts beside candidates; else inside them
    thoughts = draw(counts) if thoughts_apart else upto(draw, candidates)
    total = prompt + candidates + (thoughts if thoughts_apart else 0)
    usage = {"promptTokenCount": prompt, "candidatesTokenCount": candidates, "thoughtsTokenCount": thoughts,
             "cachedContentTokenCount": upto(draw, prompt), "totalTokenCount": total}
    record = {"uuid": draw(ids), "parentUuid": None, "sessionId": draw(ids), "timestamp": draw(stamps),
              "type": "assistant", "cwd": draw(folders), "version": "0.18.1", "model": draw(models),
              "message": {"role": "model", "parts": [{"text": draw(texts)}]}, "usageMetadata": usage}
    return Example(record, total)


qwen_usage = st.composite(qwen_record)()


def qwen_reads(path: tuple[Any, ...]) -> bool:
    return path in {(), ("type",), ("timestamp",), ("usageMetadata",)} or path[:1] == ("usageMetadata",)


QWEN_OTHER = st.one_of(
    st.builds(lambda s, t, x: {"uuid": s, "sessionId": s, "timestamp": t, "type": "user",
                               "message": {"role": "user", "parts": [{"text": x}]}}, ids, stamps, texts),
    st.builds(lambda t, n: {"type": "system", "subtype": "ui_telemetry", "timestamp": t, "systemPayload": {
        "uiEvent": {"event.name": "qwen-code.api_response", "input_token_count": n, "output_token_count": n}}},
        stamps, counts),
    # the mirrored copy of a call is never counted, even with a usageMetadata of its own
    st.builds(lambda e: dict(e.record, type="system", subtype="ui_telemetry"), qwen_usage),
)
_QWEN_OTHERS = st.lists(QWEN_OTHER, max_size=2)


@st.composite
def qwen_session(draw: st.DrawFn) -> list[Any]:
    lines: list[Any] = []
    for _ in range(draw(st.integers(1, 5))):
        lines.extend(draw(_QWEN_OTHERS))
        lines.append(qwen_record(draw).record)
    return lines
