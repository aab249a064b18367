"""The list of supported agent sources; adding an agent means adding its module here and nothing else."""

from __future__ import annotations

from collections.abc import Iterable

from tokenpulse.sources.amp import AmpSource
from tokenpulse.sources.base import Source
from tokenpulse.sources.claude_code import ClaudeCodeSource
from tokenpulse.sources.cline import ClineSource
from tokenpulse.sources.codex import CodexSource
from tokenpulse.sources.copilot_cli import CopilotCliSource
from tokenpulse.sources.droid import DroidSource
from tokenpulse.sources.gemini import GeminiSource
from tokenpulse.sources.goose import GooseSource
from tokenpulse.sources.hermes import HermesSource
from tokenpulse.sources.kilo import KiloSource
from tokenpulse.sources.kilo_code import KiloCodeSource
from tokenpulse.sources.kimi import KimiSource
from tokenpulse.sources.openclaw import OpenClawSource
from tokenpulse.sources.opencode import OpenCodeSource
from tokenpulse.sources.pi import PiSource
from tokenpulse.sources.qwen import QwenSource
from tokenpulse.sources.roo_code import RooCodeSource


def all_sources() -> list[Source]:
    return [ClaudeCodeSource(), CodexSource(), GeminiSource(), QwenSource(), OpenCodeSource(), CopilotCliSource(),
            AmpSource(), PiSource(), OpenClawSource(), GooseSource(), KimiSource(), DroidSource(), KiloSource(),
            HermesSource(), ClineSource(), RooCodeSource(), KiloCodeSource()]


def source_names() -> list[str]:
    """Every source's stable name, in the registry's order (for help texts and error messages)."""
    return [source.name for source in all_sources()]


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
