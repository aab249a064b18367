"""The compiled accelerator and the pure-Python path give the same calls, counts, parser state and stores.

Every input is read three ways and compared field by field: line by line through `feed` (the reference the
golden tests hold), as blocks with the accelerator off, and as blocks with it on. Inputs: the shared samples,
a generated corpus, hostile lines (the fuzz seeds, JSON edge cases where msgspec's rules are subtle, and
random mutations of them), and whole scans into two stores that must be byte-identical.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REPO, samples
from tokenpulse.clock import FakeClock
from tokenpulse.config.paths import resolve
from tokenpulse.native import accelerator
from tokenpulse.native.pyscan import CLAUDE_NEEDLES, CODEX_NEEDLES
from tokenpulse.sources.claude_code import parser as claude_parser
from tokenpulse.sources.codex import parser as codex_parser
from tokenpulse.workspace import Workspace

sys.path.insert(0, str(REPO / "tests" / "fuzz"))
sys.path.insert(0, str(REPO / "tests" / "benchmarks"))
import corpus
import fuzz_seeds

PARSERS = {"claude-code": claude_parser, "codex": codex_parser}


@pytest.fixture(scope="module")
def native() -> Any:
    if accelerator is None:
        if os.environ.get("TP_REQUIRE_NATIVE") == "1":
            pytest.fail("TP_REQUIRE_NATIVE=1 but the compiled accelerator is not built (tokenpulse.native._scan)",
                        pytrace=False)
        pytest.skip("the compiled accelerator is not built here (no compiler or Python headers): only the Python"
                    " path exists, so there is nothing to compare it with")
    return accelerator


def _parser(kind: str, path: Path) -> Any:
    if kind == "claude-code":
        return claude_parser.ClaudeLineParser(path)
    return codex_parser.CodexLineParser(path, None)


def _outcome(parser: Any, calls: list[Any]) -> tuple[Any, ...]:
    """Everything a read gives: calls, skip counts, state, and the plan-limit records (issue 11) found beside."""
    return ([dataclasses.astuple(c) for c in calls], list(parser.skipped.items()), parser.usage_records,
            parser.duplicates, parser.state(), repr(parser.limits.take()), getattr(parser.limits, "skipped", None))


def read_three_ways(kind: str, path: Path, data: bytes, native: Any, cuts: int = 0) -> list[tuple[Any, ...]]:
    """(by lines, by blocks in Python, by blocks natively, by lines with the accelerator's record keeping);
    `cuts` splits the blocks at random line ends."""
    module = PARSERS[kind]
    end = data.rfind(b"\n") + 1
    results = []
    for engine in (None, native):  # line by line: the reference, then with the compiled reader making calls
        saved = module.accelerator
        module.accelerator = engine
        try:
            by_lines = _parser(kind, path)
        finally:
            module.accelerator = saved
        lines = data[:max(end - 1, 0)].split(b"\n")
        calls = [c for line in lines if end and (c := by_lines.feed(line)) is not None]
        results.append(_outcome(by_lines, calls))
    by_lines_native = results.pop()
    bounds = sorted(random.Random(len(data)).sample([i + 1 for i in range(end) if data[i] == 10],
                                                    min(cuts, data.count(b"\n", 0, end))))
    edges = [0, *bounds, end] if end else [0]
    for engine in (None, native):
        saved = module.accelerator
        module.accelerator = engine
        try:
            parser = _parser(kind, path)
            calls = []
            for a, b in zip(edges, edges[1:]):
                if b > a:
                    calls += parser.feed_block(data, a, b)
            results.append(_outcome(parser, calls))
        finally:
            module.accelerator = saved
    return [*results, by_lines_native]


def _unordered(outcome: tuple[Any, ...]) -> tuple[Any, ...]:
    """The skip reasons as counts only: feeding lines one by one meets them in another order than blocks do."""
    return (outcome[0], dict(outcome[1]), *outcome[2:])


def assert_same(kind: str, path: Path, data: bytes, native: Any, cuts: int = 0) -> None:
    lines, python, compiled, lines_native = read_three_ways(kind, path, data, native, cuts)
    assert _unordered(python) == _unordered(lines), f"{path}: the Python block path differs from line-by-line feeding"
    # the two ways a scan reads: the same, down to the order of the skip reasons (the source health keeps it)
    assert compiled == python, f"{path}: the accelerator differs from the Python path"
    assert lines_native == lines, f"{path}: the compiled record keeping differs from the Python one"


def _jsonl(folder: Path) -> Iterator[Path]:
    return iter(sorted(folder.rglob("*.jsonl")))


@pytest.mark.parametrize("kind", ["claude-code", "codex"])
def test_shared_samples_read_the_same_three_ways(kind: str, native: Any) -> None:
    files = list(_jsonl(samples(kind)))
    assert files
    for path in files:
        data = path.read_bytes()
        assert_same(kind, path, data, native)
        assert_same(kind, path, data, native, cuts=5)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    corpus.generate(out, 4, seed=7)
    return out


def test_a_generated_corpus_reads_the_same_three_ways(generated: Path, native: Any) -> None:
    checked = {"claude-code": 0, "codex": 0}
    for kind, sub in (("claude-code", "claude"), ("codex", "codex")):
        for path in _jsonl(generated / sub):
            assert_same(kind, path, path.read_bytes(), native, cuts=3)
            checked[kind] += 1
    assert checked["claude-code"] > 5 and checked["codex"] > 2, checked


def test_the_accelerator_reads_a_generated_history_itself(generated: Path, native: Any) -> None:
    """Giving up is always exact (the line is decoded in Python), so a lexer that gave up on ordinary lines would
    pass every comparison while losing its speed: on a generated history it decodes almost nothing in Python."""
    handed, needle_lines = 0, 0
    for kind, sub in (("claude-code", "claude"), ("codex", "codex")):
        module = PARSERS[kind]
        for path in _jsonl(generated / sub):
            data = path.read_bytes()
            needles = CLAUDE_NEEDLES if kind == "claude-code" else CODEX_NEEDLES
            needle_lines += sum(1 for line in data.split(b"\n") if any(n in line for n in needles))
            saved = module.accelerator
            module.accelerator = native
            try:
                parser = _parser(kind, path)
            finally:
                module.accelerator = saved
            decode = parser._decode

            def counted(line: bytes, decode: Any = decode) -> Any:
                nonlocal handed
                handed += 1
                return decode(line)

            parser._decode = counted
            parser.feed_block(data, 0, data.rfind(b"\n") + 1)
    assert needle_lines > 500
    # what Python must read: Codex metadata and turn contexts (a few per file), Claude's synthetic messages
    assert handed < needle_lines * 0.2, (handed, needle_lines)


# --- hostile input ------------------------------------------------------------------------------------------

_C = fuzz_seeds.CLAUDE
_TC = fuzz_seeds.CODEX_TC
_line = fuzz_seeds._line


def _claude(**changes: Any) -> bytes:
    return _line(dict(_C, **changes))


def _claude_usage(**usage: Any) -> bytes:
    return _line(dict(_C, message=dict(_C["message"], usage=usage)))


def _codex(info: Any = None, **changes: Any) -> bytes:
    payload = dict(_TC["payload"], **({"info": info} if info is not None else {}))
    return _line(dict(_TC, payload=payload, **changes))


EDGE_CASES: list[bytes] = [
    # duplicate fields: msgspec keeps the last
    _claude()[:-1] + b',"type":"user"}', _claude()[:-1] + b',"message":null}',
    b'{"type":"assistant","type":"assistant","message":{"usage":{}},"timestamp":"2026-03-01T10:00:00.000Z"}',
    # escapes where fields are read, and escaped keys that spell a field
    _claude(cwd="C:\\Users\\dev\\p"), _claude(sessionId="a\"b"), _claude(gitBranch="f\u00e9ature/\u65e5\u672c"),
    _claude(type="assistant").replace(b'"type":"assistant"', b'"typ\\u0065":"assistant"'),
    _claude(type="assistant").replace(b'"type":"assistant"', b'"type":"assist\\u0061nt"'),
    _claude().replace(b'"usage"', b'"us\\u0061ge"'), _claude().replace(b'"usage":{', b'"usage" : {'),
    _claude(timestamp="2026-03-01T10:00:00.000\\u005a"), _claude(timestamp="2026-03-01 10:00:00"),
    _claude(timestamp="2026-02-29T10:00:00.000Z"), _claude(timestamp="2024-02-29T23:59:59.999Z"),
    _claude(timestamp="2026-03-01T24:00:00.000Z"), _claude(timestamp="2026-03-01T10:00:60.000Z"),
    _claude(timestamp="1999-12-31T23:59:59.999Z"), _claude(timestamp="2100-01-01T00:00:00.001Z"),
    _claude(timestamp="2026-03-01T10:00:00.123456Z"), _claude(timestamp="2026-03-01T10:00:00+01:00"),
    _claude(timestamp=1772360142123), _claude(timestamp=None), _claude(timestamp=["x"]),
    # typed Any: floats, huge numbers, objects, booleans
    _claude_usage(input_tokens=1.0, output_tokens=2), _claude_usage(input_tokens=True, output_tokens=2),
    _claude_usage(input_tokens="5", output_tokens=2), _claude_usage(input_tokens=-1, output_tokens=2),
    _claude_usage(input_tokens=10**12, output_tokens=10**12 + 1), _claude_usage(input_tokens=10**30),
    _claude_usage(input_tokens=10**12, output_tokens=1), _claude_usage(input_tokens=0, output_tokens=-0),
    _claude_usage(input_tokens={"a": 1}), _claude_usage(input_tokens=[1]), _claude_usage(output_tokens=None),
    _claude_usage(cache_creation_input_tokens=50, cache_creation={"ephemeral_1h_input_tokens": 80}),
    _claude_usage(cache_creation_input_tokens=50, cache_creation={"ephemeral_1h_input_tokens": "x"}),
    _claude_usage(cache_creation_input_tokens=50, cache_creation="x"), _claude_usage(cache_creation=None),
    _claude(isSidechain="true"), _claude(isSidechain=1), _claude(isSidechain=True, agentId=""),
    _claude(message=dict(_C["message"], model="<synthetic>")), _claude(message=dict(_C["message"], model=5)),
    _claude(message=dict(_C["message"], id="")), _claude(message=dict(_C["message"], usage=None)),
    _claude(message="text"), _claude(message=None), _claude(type=None), _claude(type=["assistant"]),
    _claude(requestId=["r"]), _claude(requestId=7), _claude(sessionId=""), _claude(cwd=""),
    _claude(cwd="/.claude/worktrees/agent-1"), _claude(cwd="/home/u/p/.claude/worktrees/agent-1/sub"),
    _claude(cwd="/home/u/p/.claude/worktrees"), _claude(agentId="a1", isSidechain=True, requestId=None),
    b'{"x":1e999,' + _claude()[1:], b'{"x":123456789012345678901234567890,' + _claude()[1:],
    b'{"x":-0.5e-3,' + _claude()[1:], b'{"x":01,' + _claude()[1:], b'{"x":1.,' + _claude()[1:],
    b'{"x":"\xff\xfe",' + _claude()[1:], b'{"x":"\xc0\xaf",' + _claude()[1:], b'{"x":"\xed\xa0\x80",' + _claude()[1:],
    _claude(cwd="\xe9").replace("\xe9".encode(), b"\xe9"), b'{"x":"a\tb",' + _claude()[1:],
    b'{"x":"\\ud83d\\ude00",' + _claude()[1:], b'{"x":"\\ud800",' + _claude()[1:], b'{"x":"\\q",' + _claude()[1:],
    b'{"x":' + b"[" * 80 + b"]" * 80 + b"," + _claude()[1:], b'{"x":' + b"[" * 3000 + b"]" * 3000 + b"," + _claude()[1:],
    b" \t\r" + _claude() + b" \r", b"\x0b" + _claude(), b"\xef\xbb\xbf" + _claude(), _claude() + b"x",
    _claude() + b"}", _claude()[:-1], _claude()[:40], b'"usage"', b"[" + _claude() + b"]", b"{}", b"",
    b'{"usage":{}}', b'{"message":{"usage":{}}}', b'{"message":{"usage":{},"id":"m","model":"x"},"timestamp":'
    b'"2026-03-01T10:00:00.000Z"}', b'{"message":{"usage":{"input_tokens":1}}, "timestamp":"2026-03-01T10:00:00Z"}',
    # Codex
    _codex(), _codex(info={"total_token_usage": {"input_tokens": 5.5}}), _codex(info="x"), _codex(info=[1, 2]),
    _codex(info={"total_token_usage": {}, "last_token_usage": {"input_tokens": 3, "output_tokens": 1}}),
    _codex(info={"last_token_usage": {"input_tokens": 3, "cache_read_input_tokens": 2, "output_tokens": 1}}),
    _codex(info={"last_token_usage": {"input_tokens": 3}, "model": "gpt-x", "k": {"a\"b": [True, None]}}),
    _codex(info={"last_token_usage": {"input_tokens": 3}, "k": "\u00e9\u65e5"}),
    _codex(info={"last_token_usage": {"input_tokens": 10**20}}),
    _line(dict(_TC, payload=dict(_TC["payload"], model="gpt-5", info={"last_token_usage": {"input_tokens": 2}}))),
    _line(dict(_TC, payload=dict(_TC["payload"], type="token_count\u00e9"))),
    _line(dict(_TC, payload=dict(_TC["payload"], source={"subagent": {"x": 1.5}}))),
    _line(dict(_TC, payload=dict(_TC["payload"], cwd=1e300))),
    _codex()[:-2] + b',"cwd":1e400}}', _codex()[:-2] + b',"source":{"a":[1E+999]}}}', _codex()[:-2] + b',"id":-1.5}}',
    _codex()[:-2] + b',"forked_from_id":123456789012345678901234567890}}',
    _codex()[:-1] + b',"payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":9}}}}',
    _claude()[:-1] + b',"message":{"id":"other","usage":{"output_tokens":3}}}',
    _line(dict(_TC, payload=None)), _line(dict(_TC, payload="x")), _line(dict(_TC, type="event_msg\u00e9")),
    _line(dict(_TC, type=["event_msg"])), _line(dict(_TC, timestamp="2026-03-01T10:15:42.123Z")),
    _codex().replace(b'"type":"event_msg"', b'"type":"event\\u005fmsg"'),
    _codex().replace(b'"type":"token_count"', b'"type":"token\\u005fcount"'),
    _codex()[:-1] + b',"payload":null}', _codex()[:-1] + b',"type":"turn_context"}',
    _line(fuzz_seeds.CODEX_META), _line(fuzz_seeds.CODEX_TURN),
    _line({"type": "response_item", "payload": {"type": "message", "content": "the \"token_count\" event"}}),
    _line({"type": "response_item", "payload": {"type": "message", "content": 'x"token_count"y'}}),
    b'{"type":"event_msg","payload":{"type":"token_count","info":' + b"[" * 70 + b"]" * 70 + b"}}",
    # the two usages of a token_count, read as parser._usage reads them
    *[_codex(info={"total_token_usage": total, "last_token_usage": {"input_tokens": 4, "output_tokens": 1}})
      for total in ({}, {"total_tokens": 9}, [], "x", 5, True, None, {"input_tokens": None},
                    {"input_tokens": 7, "cached_input_tokens": None, "cache_read_input_tokens": 3},
                    {"input_tokens": 7, "cached_input_tokens": 2, "cache_read_input_tokens": 3},
                    {"input_tokens": 7, "cache_write_input_tokens": 1, "reasoning_output_tokens": 2},
                    {"input_tokens": "7"}, {"input_tokens": -7}, {"input_tokens": 10**12 + 1},
                    {"input_tokens": 7, "extra": {"deep": [1, "two", None]}})],
    _codex()[:-3] + b',"total_token_usage":null}}}', _codex()[:-3] + b',"last_token_usage":{}}}}',
    _codex().replace(b'"input_tokens":1200', b'"input_tokens":1200,"input_tokens":1300', 1),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":1.5'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":1e999'),
    _codex().replace(b'"model_context_window":258400', b'"model":"gpt-9","model_context_window":1'),
    _codex().replace(b'"model_context_window":258400', b'"model":7'),
    _codex().replace(b'"model_context_window":258400', b'"model":"\\u0067pt"'),
    _codex().replace(b'"total_token_usage"', b'"total_token_usag\\u0065"', 1),
    _codex().replace(b'"info":{', b'"info":null,"info":{', 1),
    _codex().replace(b'"total_tokens":1280', b'"total_tokens":1e999', 1),
    _codex().replace(b'"total_tokens":1280', b'"total_tokens":[1.5e3,{"a":-0.0}]', 1),
    _codex().replace(b'"info":{', b'"info":{"total_token_usage":{"output_tokens":3},', 1),
    _codex().replace(b'"info":{', b'"info":{"total_token_usage":{"cache_write_input_tokens":3},', 1),
    _codex().replace(b'"info":{', b'"info":{"total_token_usage":null,', 1),
    _line(dict(_TC, payload={"type": "token_count", "info": None})),
    _line(dict(_TC, payload={"type": "token_count", "info": {}})),
    _line(dict(_TC, payload={"type": "agent_message", "info": "x"})),
    # plan limits (issue 11): readings on token_count lines, limit-only events, hits, Claude limit notices
    _line(dict(_TC, payload=dict(_TC["payload"], rate_limits={
        "primary": {"used_percent": 62.0, "window_minutes": 300, "resets_at": 1772370000},
        "secondary": {"used_percent": 31.5, "window_minutes": 10080, "resets_at": 1772900000},
        "plan_type": "plus"}))),
    _line(dict(_TC, payload=dict(_TC["payload"], rate_limits={
        "primary": {"used_percent": 90, "window_minutes": 10080, "resets_in_seconds": 3600}}))),
    _line(dict(_TC, payload={"type": "token_count", "info": None, "rate_limits": {
        "primary": {"used_percent": 12.5, "window_minutes": 300, "resets_at": 1772370000}}})),
    _line(dict(_TC, payload=dict(_TC["payload"], rate_limits=None))),
    _line(dict(_TC, payload=dict(_TC["payload"], rate_limits={"primary": "x", "rate_limit_reached_type": 5}))),
    _line({"timestamp": "2026-03-01T10:20:00.000Z", "type": "event_msg",
           "payload": {"type": "task_complete", "codex_error_info": "usage_limit_exceeded"}}),
    _line({"timestamp": "2026-03-01T10:20:00.000Z", "type": "event_msg",
           "payload": {"type": "error", "error": {"codex_error_info": "usage_limit_exceeded"}}}),
    _line({"timestamp": "2026-03-01T10:20:00.000Z", "type": "response_item",
           "payload": {"type": "message", "content": "usage_limit_exceeded"}}),
    b'{"type":"event_msg","payload":{"type":"task_complete","codex_error_info":"usage_limit_exceeded"}',
    _claude(message=dict(_C["message"], model="<synthetic>"), error="rate_limit", isApiErrorMessage=True),
    _line({"type": "assistant", "timestamp": "2026-03-01T10:30:00.000Z", "sessionId": "s", "error": "rate_limit",
           "isApiErrorMessage": True, "message": {"model": "<synthetic>", "content": []},
           "quotaLimits": {"status": "rejected", "resetsAt": 1772380000, "rateLimitType": "five_hour"}}),
    _line({"type": "assistant", "timestamp": "2026-03-01T10:30:00.000Z", "error": "rate_limit",
           "message": {"model": "claude-x", "content": []}}),
    _line({"type": "user", "timestamp": "2026-03-01T10:30:00.000Z", "error": "rate_limit"}),
    # the plan-limit reading of a token_count, handed over by the accelerator as `rate_limits` as written and the
    # context window (issue 16): every shape the reader decodes, loosely reads, refuses or counts as skipped
    *[_line(dict(_TC, payload=dict(_TC["payload"], rate_limits=limits))) for limits in (
        {"primary": {"used_percent": 12, "window_minutes": 300, "resets_at": 1772370000.5}},
        {"primary": {"used_percent": "12", "window_minutes": 300.0}, "secondary": None, "plan_type": "pro"},
        {"primary": [1], "secondary": {"used_percent": 4.0, "window_minutes": 10080, "resets_in_seconds": 60}},
        {"primary": {"used_percent": 50.0, "window_minutes": 300}, "limit_id": "gpt-5-codex", "credits": {
            "balance": 1.5}}, {"primary": {"used_percent": 50.0, "window_minutes": 300}, "rate_limit_reached_type":
                                "primary"}, [], "x", 5, True, {}, {"primary": {"used_percent": -1.0}})],
    _codex().replace(b'"used_percent":1.0', b'"used_percent":1e999'),
    _codex().replace(b'"used_percent":1.0', b'"used_percent":1.0,"x":1e999'),
    _codex().replace(b'"rate_limits":{', b'"rate_limits":{"credits":1e999,', 1),
    _codex().replace(b'"rate_limits":{', b'"rate_limits":{"primary":"x","credits":1e999,', 1),
    _codex().replace(b'"rate_limits":{', b'"rate_limits":null,"rate_limits":{', 1),
    _codex().replace(b'"rate_limits":{', b'"error":"x","rate_limits":{"credits":1e999,', 1),
    _codex().replace(b'"rate_limits":{', b'"error":{"codex_error_info":1.5},"rate_limits":{', 1),
    _codex().replace(b'"rate_limits":{', b'"error":null,"codex_error_info":"usage_limit_exceeded","rate_limits":{', 1),
    _codex().replace(b'"rate_limits":{', b'"codex_error_info":1e999,"rate_limits":{', 1),
    _codex().replace(b'"rate_limits":{', b'"rate_limits":{"primary":{"used_percent":1.0,"used_percent":2.0},', 1),
    _codex().replace(b'"rate_limits":{', b'"rate_limits":{"plan_type":"\\u0070lus",', 1),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":"258400"'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":true'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":{"a":1}'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":-258400'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":2584000000000000000000'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":258400,"model_context_window":9'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":null,"model":"gpt-z"'),
    _codex().replace(b'"model_context_window":258400', b'"model_context_window":999'),
    _codex(info={"model_context_window": 128000, "model": "gpt-named"}),
]


@pytest.mark.parametrize("kind", ["claude-code", "codex"])
def test_edge_cases_read_the_same_three_ways(kind: str, native: Any, tmp_path: Path) -> None:
    path = tmp_path / "projects" / "p" / "s.jsonl"
    seeds = [s for v in fuzz_seeds.SEEDS.values() for s in v]
    data = b"\n".join([*EDGE_CASES, *seeds, *EDGE_CASES]) + b"\n"
    assert_same(kind, path, data, native)
    for case in EDGE_CASES:  # alone too: an early line's state cannot hide a difference
        assert_same(kind, path, case + b"\n", native)


_TOKENS = [t.encode() for t in fuzz_seeds.DICTIONARY] + [b"\\", b'"', b"\n", b"{", b"}", b",", b":", b"\xff", b"\xc3"]
_BASES = [*EDGE_CASES[:20], *[_line(r) for r in (_C, fuzz_seeds.CLAUDE_USER, _TC, fuzz_seeds.CODEX_TURN)]]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        line = bytearray(draw(st.sampled_from(_BASES)))
        for _ in range(draw(st.integers(0, 4))):
            at = draw(st.integers(0, len(line)))
            op = draw(st.integers(0, 3))
            if op == 0:
                line[at:at] = draw(st.sampled_from(_TOKENS))
            elif op == 1:
                line[at:at + draw(st.integers(1, 8))] = b""
            elif op == 2:
                line[at:at] = draw(st.binary(min_size=1, max_size=4))
            else:
                line[at:at + 1] = draw(st.sampled_from(_TOKENS))
        lines.append(bytes(line))
    return b"\n".join(lines) + b"\n"


@settings(max_examples=600, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), kind=st.sampled_from(["claude-code", "codex"]))
def test_mutated_lines_read_the_same_three_ways(data: bytes, kind: str, native: Any) -> None:
    assert_same(kind, Path("/x/projects/p/s.jsonl"), data, native, cuts=2)


def test_fast_timestamps_equal_python_reading(native: Any) -> None:
    """The compiled `YYYY-MM-DDTHH:MM:SS.mmmZ` reading equals parse_iso_ms's float arithmetic, to the ms."""
    from tokenpulse.sources.fields import parse_iso_ms

    rng = random.Random(5)
    checked = 0
    for _ in range(20000):
        ms = rng.randrange(946_684_800_000 - 10**9, 4_102_444_800_000 + 10**9)
        text = corpus._iso(ms)
        fast = native.iso_ms(text)
        assert fast is None or fast == parse_iso_ms(text), text
        checked += fast is not None
    assert checked > 19000
    for bad in ("2026-02-30T10:00:00.000Z", "2026-13-01T10:00:00.000Z", "2026-03-01T10:00:00.000+", "2026-03-01"):
        assert native.iso_ms(bad) is None
    assert native.MAX_TOKENS == __import__("tokenpulse.usage", fromlist=["MAX_TOKENS"]).MAX_TOKENS


def test_the_compiled_blake2b_is_hashlibs(native: Any) -> None:
    """Dedupe keys and message hashes are BLAKE2b digests made in C: every length around the block size."""
    import hashlib

    rng = random.Random(11)
    for n in [*range(0, 300), 1000, 4096, 10_000]:
        data = rng.randbytes(n)
        for size in (8, 16, 32, 64):
            assert native.blake2b(data, size) == hashlib.blake2b(data, digest_size=size).digest(), (n, size)


def test_the_compiled_reader_keys_texts_python_gives_it(native: Any, tmp_path: Path) -> None:
    """Records decoded in Python reach the compiled reader as str: lone surrogates (a file name that is not
    UTF-8), NUL, escapes that spell another id, every key kind: the same calls as the Python `_record`."""
    path = tmp_path / "projects" / "p" / "s\udcff.jsonl"
    args = []
    for mid in (None, "m1", "m\x00", "m\udcff", "\u65e5"):
        for rid in (None, "r", "\x00r"):
            for session in (None, "s", "s\udcfe"):
                for sidechain, agent in ((False, None), (True, None), (True, "a\udc80")):
                    for ts in ("2026-03-01T10:00:00.000Z", "2026-03-01T10:00:00+01:00", None, "x"):
                        args.append(((1, 2, 3, 4, 5), "m\udcff" if mid else None, mid, rid, session, ts, sidechain,
                                     agent, "/w/p/.claude/worktrees/x\udcff"))
    args.append((None, "claude-x", "m1", "r", "s", "2026-03-01T10:00:00.000Z", False, None, None))
    args.append(((1, 0, 0, 0, 1), "<synthetic>", "m9", None, None, None, False, None, None))
    outcomes = []
    for engine in (None, native):
        saved = claude_parser.accelerator
        claude_parser.accelerator = engine
        try:
            parser = claude_parser.ClaudeLineParser(path)
        finally:
            claude_parser.accelerator = saved
        calls = [c for a in args if (c := parser._record_fn(*a)) is not None]
        outcomes.append(_outcome(parser, calls))
    assert outcomes[1] == outcomes[0]
    assert len(outcomes[0][0]) > 50


counts5 = st.tuples(*[st.integers(0, 3_000)] * 5)


@st.composite
def codex_events(draw: st.DrawFn) -> tuple[Any, list[tuple[Any, ...]]]:
    """A rollout's state and token_count events as `_on_usage` takes them, with totals that grow, repeat, drop a
    little (stale) or a lot (reset), right at the stale rule's bounds too."""
    prev = draw(st.none() | counts5)
    events = []
    total = prev or (0, 0, 0, 0, 0)
    for _ in range(draw(st.integers(1, 12))):
        last = draw(st.none() | st.just(False) | counts5)
        kind = draw(st.sampled_from(["grow", "same", "bound", "bound+1", "twice-last", "reset", "none", "false"]))
        base = total[0] + total[2]
        size = (last[0] + last[2]) if isinstance(last, tuple) else 0
        if kind == "grow":
            total = tuple(t + draw(st.integers(0, 500)) for t in total)
        elif kind in ("bound", "bound+1", "twice-last") and base:
            drop = int(0.02 * base) if kind != "twice-last" else 2 * size
            drop += kind == "bound+1"
            total = (max(0, total[0] - drop), total[1], total[2] + min(0, total[0] - drop), total[3], total[4])
            total = tuple(max(0, t) for t in total)
        elif kind == "reset":
            total = draw(counts5)
        event_total: Any = total if kind not in ("none", "false") else (None if kind == "none" else False)
        models = draw(st.tuples(st.sampled_from([None, "", "gpt-i", 5]), st.sampled_from([None, "gpt-p"])))
        ts = draw(st.sampled_from([1_772_360_000_000, 1_772_360_000_500, "2026-03-01T10:00:00.000Z", "bad", None]))
        events.append((event_total, last, models[0], models[1], ts))
    state = {"prev_total": list(prev) if prev else None, "model": draw(st.sampled_from([None, "gpt-s"])),
             "fork_start_ms": draw(st.sampled_from([None, 1_772_360_000_000, 1_772_360_000_001])),
             "parent": "p", "cwd": "/w", "session": "s"}
    return state, events


@settings(max_examples=500, deadline=None, database=None)
@given(case=codex_events())
def test_the_compiled_codex_counting_is_the_python_one(case: tuple[Any, list[tuple[Any, ...]]], native: Any) -> None:
    """`_on_usage` and `_increment` against the reader's: increments, re-emits, stale drops at the rule's bounds,
    resets, fork starts, the model chosen, the keys made, the state left."""
    state, events = case
    outcomes = []
    for engine in (None, native):
        saved = codex_parser.accelerator
        codex_parser.accelerator = engine
        try:
            parser = codex_parser.CodexLineParser(Path("/x/rollout.jsonl"), state)
        finally:
            codex_parser.accelerator = saved
        calls = [c for e in events if (c := parser._on_usage_fn(*e)) is not None]
        outcomes.append(_outcome(parser, calls))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("state", [
    {"prev_total": [1, 2, "x", 4, 5], "fork_start_ms": "x", "model": 5, "session": 7, "cwd": ["/w"], "parent": 1.5},
    {"prev_total": [1, 2, 3, 4, 10**30], "fork_start_ms": True, "session": ""},
    {"prev_total": [1, 2, 3, 4, -1], "fork_start_ms": 10**40, "meta_seen": "yes"},
    {"prev_total": [True, 2, 3, 4, 5], "fork_start_ms": 1.5e12},
])
def test_a_damaged_saved_state_is_read_the_same_both_ways(state: dict[str, Any], native: Any) -> None:
    """A cursor's parser state is ours, but a damaged one must not stop a read (it did: a text fork start raised
    TypeError at the first comparison) nor be read differently by the two paths: a value of another type is
    dropped."""
    path = Path("/x/rollout-2026-03-01T10-00-00-0199a000-0000-7000-8000-000000000001.jsonl")
    data = _codex() + b"\n" + _codex().replace(b'"input_tokens":1200', b'"input_tokens":1300') + b"\n"
    outcomes = []
    for engine in (None, native):
        saved = codex_parser.accelerator
        codex_parser.accelerator = engine
        try:
            parser = codex_parser.CodexLineParser(path, state)
            calls = parser.feed_block(data, 0, len(data))
        finally:
            codex_parser.accelerator = saved
        outcomes.append(_outcome(parser, calls))
    assert outcomes[1] == outcomes[0]
    assert outcomes[0][4]["session"] == "0199a000-0000-7000-8000-000000000001"  # not a session id: the file's
    assert outcomes[0][0], "the events were counted"


# --- whole scans: byte-identical stores ----------------------------------------------------------------------

def _scan_into(data_dir: Path, claude: Path, codex: Path, engine: Any) -> bytes:
    saved = claude_parser.accelerator, codex_parser.accelerator
    claude_parser.accelerator = codex_parser.accelerator = engine
    try:
        ws = Workspace(resolve(data_dir), env={"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex)},
                       home=data_dir / "nohome", clock=FakeClock(1_780_000_000_000))
        try:
            summary = ws.scan()
            assert summary is not None and summary.calls_new > 0
        finally:
            ws.close()
    finally:
        claude_parser.accelerator, codex_parser.accelerator = saved
    return (data_dir / "tokenpulse.sqlite3").read_bytes()


def test_a_whole_scan_makes_byte_identical_stores(tmp_path: Path, generated: Path, native: Any) -> None:
    claude, codex = tmp_path / "claude", tmp_path / "codex"
    for sub, dest in (("claude", claude), ("codex", codex)):
        os.symlink(generated / sub, dest)
    # the samples and a file of hostile lines beside the generated history
    os.symlink(samples("claude-code") / "projects", claude.resolve() / "projects" / "samples")
    hostile = generated / "codex" / "sessions" / "hostile.jsonl"
    hostile.write_bytes(b"\n".join(EDGE_CASES) + b"\n")
    try:
        python = _scan_into(tmp_path / "python", claude, codex, None)
        compiled = _scan_into(tmp_path / "native", claude, codex, native)
    finally:
        hostile.unlink()
        (claude.resolve() / "projects" / "samples").unlink()
    if python != compiled:  # say what differs before failing on the bytes
        dumps = [list(sqlite3.connect(tmp_path / d / "tokenpulse.sqlite3").iterdump()) for d in ("python", "native")]
        assert dumps[0] == dumps[1]
    assert python == compiled


def test_the_accelerator_in_use_was_built_from_this_source(native: Any) -> None:
    """An editable install builds `_scan` once; after an edit of its sources the old build would be tested."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((REPO / "app" / "tokenpulse" / "native").glob("*.[ch]")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    assert digest.hexdigest() == native.SOURCE_HASH, (
        "tokenpulse.native._scan is older than its sources: rebuild it with `.venv/bin/pip install -e .`")
