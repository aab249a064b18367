"""Where Codex keeps its rollouts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

_SUBFOLDERS = ("sessions", "archived_sessions")


if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.codex.parser import (
        CodexLineParser,  # never needs msgspec or the parser's patterns
    )


class CodexSource:
    name = "codex"
    label = "Codex"
    env_var = "CODEX_HOME"
    fresh_chat_hint = "start a new session (codex) with a short brief"

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        bases = env_paths(env.get(self.env_var)) or [home / ".codex"]
        return [base / sub for base in bases for sub in _SUBFOLDERS]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, self._is_log_name, errors)

    def owns(self, path: Path) -> bool:
        return self._is_log_name(path.name) and any(sub in path.parts for sub in _SUBFOLDERS)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> CodexLineParser:
        from tokenpulse.sources.codex.parser import CodexLineParser

        return CodexLineParser(path, state)

    @staticmethod
    def _is_log_name(name: str) -> bool:
        # The original TypeScript CLI wrote `.json` documents without usage; only JSONL counts.
        return name.endswith(".jsonl")
