"""Where Copilot CLI's OpenTelemetry file export lives."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

# Copilot CLI's own variable: the file it exports to; its folder is read (ccusage reads that one file).
EXPORTER_PATH = "COPILOT_OTEL_FILE_EXPORTER_PATH"


if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.copilot_cli.parser import (
        CopilotOtelParser,  # never needs msgspec or the parser's patterns
    )


class CopilotCliSource:
    name = "copilot-cli"
    label = "Copilot CLI"
    env_var = "COPILOT_OTEL_DIR"  # tokenpulse's: folders of exported *.jsonl (Copilot has no such variable)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        roots = env_paths(env.get(self.env_var)) or [home / ".copilot" / "otel"]
        exported = env.get(EXPORTER_PATH, "").strip()
        if exported:
            folder = Path(exported).expanduser().parent
            if folder not in roots:
                roots.append(folder)
        return roots

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, self._is_log_name, errors)

    def owns(self, path: Path) -> bool:
        return self._is_log_name(path.name)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> CopilotOtelParser:
        from tokenpulse.sources.copilot_cli.parser import CopilotOtelParser

        return CopilotOtelParser(path)

    @staticmethod
    def _is_log_name(name: str) -> bool:
        return name.endswith(".jsonl")
