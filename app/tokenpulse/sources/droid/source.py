"""Where Droid keeps each session's settings file, whose `tokenUsage` is the session's running total."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

SETTINGS_SUFFIX = ".settings.json"


class DroidSource:
    name = "droid"
    label = "Droid"
    env_var = "DROID_SESSIONS_DIR"  # ccusage's variable: Droid session folders (comma-separated)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        return env_paths(env.get(self.env_var)) or [home / ".factory" / "sessions"]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, _is_settings_name, errors)

    def owns(self, path: Path) -> bool:
        return _is_settings_name(path.name)

    def file_kind(self, path: Path) -> FileKind:
        return "document"

    def read_document(self, path: Path, data: bytes) -> Parsed:
        from tokenpulse.sources.droid.parser import read_settings  # imported on first use, as the other parsers

        return read_settings(path, data)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError("Droid has no line-based logs")  # file_kind never says "lines"


def _is_settings_name(name: str) -> bool:
    return name.endswith(SETTINGS_SUFFIX) and len(name) > len(SETTINGS_SUFFIX)
