"""Where Kilo CLI keeps its database. Kilo CLI is a fork of OpenCode and writes OpenCode's `message` table,
so the OpenCode database reader reads it, under Kilo's own name and keys."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, resolves_inside

SOURCE = "kilo"
DATABASE = "kilo.db"


class KiloSource:
    name = SOURCE
    label = "Kilo CLI"
    env_var = "KILO_DATA_DIR"  # ccusage's variable: Kilo data folders (comma-separated)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        configured = env_paths(env.get(self.env_var))
        if configured:
            return configured
        roots = [home / ".local" / "share" / "kilo"]
        xdg = env.get("XDG_DATA_HOME")
        if xdg and Path(xdg) / "kilo" not in roots:
            roots.insert(0, Path(xdg) / "kilo")
        return roots

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
        from tokenpulse.sources.opencode import database  # the same schema; imported on first use

        return database.read_database(path, state, source=SOURCE)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError("Kilo CLI has no line-based logs")  # file_kind always says "database"
