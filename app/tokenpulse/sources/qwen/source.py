"""Where Qwen Code keeps its chats."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.qwen.parser import QwenLineParser  # never needs msgspec or the parser's patterns


class QwenSource:
    name = "qwen"
    label = "Qwen Code"
    env_var = "QWEN_DATA_DIR"  # ccusage's variable: folders that hold `projects/`

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        bases = env_paths(env.get(self.env_var)) or [home / ".qwen"]
        return [base if base.name == "projects" else base / "projects" for base in bases]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return (p for p in walk_files(root, self._is_log_name, errors) if self.owns(p))

    def owns(self, path: Path) -> bool:
        # `projects/<project>/chats/<session>.jsonl`, as Qwen writes them (and ccusage reads them)
        return self._is_log_name(path.name) and path.parent.name == "chats"

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> QwenLineParser:
        from tokenpulse.sources.qwen.parser import QwenLineParser

        return QwenLineParser(path)

    @staticmethod
    def _is_log_name(name: str) -> bool:
        return name.endswith(".jsonl")
