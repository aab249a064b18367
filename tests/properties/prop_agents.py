"""The line-based sources under test, each with its realistic records and the fields its parser reads."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import prop_records as rec
import prop_records_more_agents as more
import prop_records_new_agents as new
from hypothesis import strategies as st
from prop_hostile import EXTREME_DEPTHS, bad_counts, damage, deep, mutate, tear, to_line

from tokenpulse.sources.claude_code.source import ClaudeCodeSource
from tokenpulse.sources.codex.source import CodexSource
from tokenpulse.sources.copilot_cli.source import CopilotCliSource
from tokenpulse.sources.gemini.source import GeminiSource
from tokenpulse.sources.kimi.source import KimiSource
from tokenpulse.sources.openclaw.source import OpenClawSource
from tokenpulse.sources.pi.source import PiSource
from tokenpulse.sources.qwen.source import QwenSource

Path_ = tuple[Any, ...]


@dataclass(frozen=True, repr=False)
class LineAgent:
    name: str
    make_source: Callable[[], Any]
    marker: bytes  # bytes every usage line carries
    usage: st.SearchStrategy[rec.Example]  # one valid usage record, alone in a fresh file
    reads: Callable[[Path_], bool]  # the nodes of a usage record the parser reads
    count_paths: tuple[Path_, ...]  # where a usage record keeps its token counts
    other: st.SearchStrategy[Any]  # records that are not usage
    session: st.SearchStrategy[list[Any]]  # a realistic file, in order
    file_name: str
    digit_strings_are_counts: bool = False  # OTLP JSON writes 64-bit integers as strings
    fixed_file_name: bool = False  # the agent reads only files of this one name (Kimi's `wire.jsonl`)

    def __repr__(self) -> str:  # strategies built from an agent print it in every failing example
        return f"<{self.name}>"

    def parser(self, path: Path | None = None, state: Any = None) -> Any:
        return self.make_source().parser(path or Path("/logs") / self.file_name, state)

    # Strategies are built once per agent: built per example, hypothesis validates them anew each time.

    @cached_property
    def bad_count_record(self) -> st.SearchStrategy[Any]:
        """A usage record with one token count replaced by a value that is not a count."""
        bad = bad_counts.filter(lambda v: not (self.digit_strings_are_counts and _ascii_count(v)))
        return st.builds(_with_value, self.usage, st.sampled_from(self.count_paths), bad)

    @cached_property
    def torn_line(self) -> st.SearchStrategy[bytes]:
        return _torn_line(self)

    @cached_property
    def garbage(self) -> st.SearchStrategy[bytes]:
        """Lines that must give no call and change no parser state, whatever they sit next to."""
        return st.one_of(
            st.binary(max_size=200),
            st.sampled_from([b"", b"   ", b"\r", b"\x00" * 4, b"null", b"[]", b"{}", b'"usage"', b"\xef\xbb\xbf{",
                             b"[" * 5000, b'{"a":' * 3000]),
            self.bad_count_record.map(to_line),
            self.torn_line,
            self.usage.map(lambda e: to_line(dict(e.record, zzdeep=deep(EXTREME_DEPTHS[-1])))),
        )

    @cached_property
    def hostile_line(self) -> st.SearchStrategy[bytes]:
        """A usage or other record mutated anywhere into anything, then maybe damaged byte-wise."""
        return _hostile_line(st.one_of(self.usage.map(lambda e: e.record), self.other))


def _copilot_count_paths() -> tuple[Path_, ...]:
    return tuple(("attributes", name) for name in more.COPILOT_ATTRS)


AGENTS = [
    LineAgent("claude-code", ClaudeCodeSource, b'"usage"', rec.claude_usage, rec.claude_reads,
              tuple(("message", "usage", n) for n in rec.CLAUDE_COUNTS), rec.CLAUDE_OTHER, rec.claude_session(),
              "projects/-home-u-p/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl"),
    LineAgent("codex", CodexSource, b'"token_count"', rec.codex_usage(), rec.codex_reads,
              tuple(("payload", "info", "last_token_usage", n) for n in rec.CODEX_USAGE_FIELDS),
              rec.CODEX_OTHER, rec.codex_session(),
              "sessions/2026/03/01/rollout-2026-03-01T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl"),
    LineAgent("gemini", GeminiSource, b'"tokens"', more.gemini_usage, more.gemini_reads,
              tuple(("tokens", n) for n in more.GEMINI_COUNTS), more.GEMINI_OTHER, more.gemini_session(),
              "tmp/0b7d/chats/session-2026-03-01T10-00-abcd.jsonl"),
    LineAgent("qwen", QwenSource, b'"usageMetadata"', rec.qwen_usage, rec.qwen_reads,
              tuple(("usageMetadata", n) for n in rec.QWEN_COUNTS), rec.QWEN_OTHER, rec.qwen_session(),
              "projects/-home-u-p/chats/69f0814a-8bfc-4c8e-93d3-05757f17b96f.jsonl"),
    LineAgent("copilot-cli", CopilotCliSource, b"gen_ai.usage.",
              more.copilot_usage, more.copilot_reads, _copilot_count_paths(), more.COPILOT_OTHER,
              more.copilot_session(), "copilot-otel-1.jsonl", digit_strings_are_counts=True),
    # OTLP JSON: attributes as key/value pairs, the usage ones after the five others
    LineAgent("copilot-cli", CopilotCliSource, b"gen_ai.usage.",
              more.copilot_otlp_usage, more.copilot_reads,
              tuple(("attributes", i, "value", "intValue") for i in range(5, 10)), more.COPILOT_OTHER,
              more.copilot_session(), "copilot-otel-2.jsonl", digit_strings_are_counts=True),
    LineAgent("pi-agent", PiSource, b'"usage"', new.pi_usage, new.pi_reads,
              tuple(("message", "usage", n) for n in new.PI_COUNTS), new.PI_OTHER, new.pi_session(),
              "sessions/--home-u-p--/2026-01-05T09-00-00-000Z_5f0c1a2b-0000-4000-8000-00000000a001.jsonl"),
    LineAgent("openclaw", OpenClawSource, b'"usage"', new.pi_usage, new.pi_reads,
              tuple(("message", "usage", n) for n in new.PI_COUNTS), new.PI_OTHER, new.pi_session(),
              "agents/main/sessions/oc-main-1.jsonl"),
    LineAgent("kimi", KimiSource, b'"token_usage"', new.kimi_usage, new.kimi_reads,
              tuple(("message", "payload", "token_usage", n) for n in new.KIMI_COUNTS), new.KIMI_OTHER,
              new.kimi_session(), "sessions/0f1e2d3c/3b2a1c0d-0000-4000-8000-0000000000a1/wire.jsonl",
              fixed_file_name=True),
]
# Tests take the id and look the agent up: hypothesis would print a whole LineAgent in each failing example.
BY_ID = {a.name + ("-otlp" if a.file_name.endswith("2.jsonl") else ""): a for a in AGENTS}


@st.composite
def _torn_line(draw: st.DrawFn, agent: LineAgent) -> bytes:
    return tear(draw, to_line(draw(agent.usage).record), agent.marker)


@st.composite
def _hostile_line(draw: st.DrawFn, bases: st.SearchStrategy[Any]) -> bytes:
    line = to_line(mutate(draw, draw(bases)), ascii_only=draw(st.booleans()))
    return damage(draw, line) if draw(st.booleans()) else line


def _with_value(example: rec.Example, path: Path_, value: Any) -> Any:
    record = copy.deepcopy(example.record)
    node = record
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return record


def _ascii_count(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and int(value) <= 10**12


# File names an agent could write (any script, emoji, spaces) and ones it could not (bytes that are not UTF-8,
# which Python hands over as lone surrogates).
file_names = st.one_of(
    st.sampled_from(["sessão.jsonl", "会话 1.jsonl", "😀.jsonl", "agent-ø.jsonl", "chat.jsonl", ".jsonl", "-.jsonl"]),
    st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b).map(
        lambda b: os.fsdecode(b) + ".jsonl"),
)
