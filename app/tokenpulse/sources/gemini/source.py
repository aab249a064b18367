"""Where Gemini CLI keeps its chats, and which of them are whole documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

# Gemini's own per-project prompt log: a JSON array of user messages, never usage.
_NOT_CHATS = ("logs.json",)


if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.gemini.parser import (
        GeminiLineParser,  # never needs msgspec or the parser's patterns
    )


class GeminiSource:
    name = "gemini"
    label = "Gemini CLI"
    env_var = "GEMINI_DATA_DIR"  # ccusage's variable; Gemini CLI itself has none for its tmp folder

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        return env_paths(env.get(self.env_var)) or [home / ".gemini" / "tmp"]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, self._is_log_name, errors)

    def owns(self, path: Path) -> bool:
        return self._is_log_name(path.name)

    def file_kind(self, path: Path) -> FileKind:
        return "lines" if path.name.endswith(".jsonl") else "document"

    def read_document(self, path: Path, data: bytes) -> Parsed:
        from tokenpulse.sources.gemini.parser import read_document

        return read_document(path, data)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> GeminiLineParser:
        from tokenpulse.sources.gemini.parser import GeminiLineParser

        return GeminiLineParser(path, state)

    @staticmethod
    def _is_log_name(name: str) -> bool:
        # As ccusage: every .json and .jsonl under the root; documents that are not chats parse as nothing.
        return name.endswith((".json", ".jsonl")) and name not in _NOT_CHATS
