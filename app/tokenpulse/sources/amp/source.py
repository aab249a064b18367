"""Where Amp keeps its threads: one JSON document per thread, rewritten as the thread grows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files


class AmpSource:
    name = "amp"
    label = "Amp"
    env_var = "AMP_DATA_DIR"  # Amp's data folder (ccusage's variable): threads are in its `threads/`

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        bases = env_paths(env.get(self.env_var))
        if not bases:
            bases = [home / ".local" / "share" / "amp"]
            xdg = env.get("XDG_DATA_HOME")
            if xdg and Path(xdg) / "amp" not in bases:
                bases.insert(0, Path(xdg) / "amp")
        return [base if base.name == "threads" else base / "threads" for base in bases]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, _is_thread_name, errors)

    def owns(self, path: Path) -> bool:
        return _is_thread_name(path.name) and "threads" in path.parts

    def file_kind(self, path: Path) -> FileKind:
        return "document"

    def read_document(self, path: Path, data: bytes) -> Parsed:
        from tokenpulse.sources.amp.parser import read_thread  # imported on first use, as the other parsers

        return read_thread(path, data)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError("Amp has no line-based logs")  # file_kind never says "lines"


def _is_thread_name(name: str) -> bool:
    return name.endswith(".json")
