"""The list of supported agent sources; adding an agent means adding its module here and nothing else."""

from __future__ import annotations

from collections.abc import Iterable

from tokenpulse.sources.base import Source
from tokenpulse.sources.claude_code import ClaudeCodeSource
from tokenpulse.sources.codex import CodexSource
from tokenpulse.sources.copilot_cli import CopilotCliSource
from tokenpulse.sources.gemini import GeminiSource
from tokenpulse.sources.opencode import OpenCodeSource
from tokenpulse.sources.qwen import QwenSource


def all_sources() -> list[Source]:
    return [ClaudeCodeSource(), CodexSource(), GeminiSource(), QwenSource(), OpenCodeSource(), CopilotCliSource()]


def select(names: Iterable[str] | None) -> list[Source]:
    """The sources named (all when None); an unknown name raises ValueError listing the known ones."""
    sources = all_sources()
    if names is None:
        return sources
    by_name = {s.name: s for s in sources}
    chosen = []
    for name in names:
        if name not in by_name:
            raise ValueError(f"unknown source {name!r}; known: {', '.join(by_name)}")
        chosen.append(by_name[name])
    return chosen
