"""Where Claude Code keeps its transcripts, and which files of them carry usage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.claude_code.parser import (
        ClaudeLineParser,  # never needs msgspec or the parser's patterns
    )


class ClaudeCodeSource:
    name = "claude-code"
    label = "Claude Code"
    env_var = "CLAUDE_CONFIG_DIR"
    fresh_chat_hint = "/clear with a short brief of where you are, or /compact"

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """`<dir>/projects` for each configured dir; the env list replaces the defaults (as ccusage does)."""
        configured = env_paths(env.get(self.env_var))
        if not configured:
            xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
            configured = [xdg / "claude", home / ".claude"]
        roots: list[Path] = []
        for base in configured:
            root = base if base.name == "projects" else base / "projects"
            if root not in roots:
                roots.append(root)
        return roots

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, self._is_log_name, errors)

    def owns(self, path: Path) -> bool:
        return self._is_log_name(path.name) and "projects" in path.parts

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> ClaudeLineParser:
        from tokenpulse.sources.claude_code.parser import ClaudeLineParser

        return ClaudeLineParser(path)

    @staticmethod
    def _is_log_name(name: str) -> bool:
        # workflow journals sit beside sub-agent transcripts but carry no usage of their own
        return name.endswith(".jsonl") and name != "journal.jsonl"

