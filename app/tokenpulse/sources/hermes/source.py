"""Where Hermes Agent keeps its state database (one per Hermes home)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, resolves_inside

DATABASE = "state.db"


class HermesSource:
    name = "hermes"
    label = "Hermes Agent"
    env_var = "HERMES_HOME"  # Hermes's own variable (comma-separated here, as ccusage accepts)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        return env_paths(env.get(self.env_var)) or [home / ".hermes"]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        db = root / DATABASE
        if db.is_file() and resolves_inside(db, root):
            if errors is not None and db.is_symlink():
                errors.links.add(str(db))
            yield db

    def owns(self, path: Path) -> bool:
        return path.name.removesuffix("-wal") == DATABASE

    def file_kind(self, path: Path) -> FileKind:
        return "database"

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        from tokenpulse.sources.hermes.database import read_sessions  # imported on first use

        return read_sessions(path, state)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError("Hermes has no line-based logs")  # file_kind always says "database"
