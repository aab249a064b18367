"""Where Kilo CLI keeps its database. Kilo CLI is a fork of OpenCode and writes OpenCode's `message` table,
so the OpenCode database reader reads it, under Kilo's own name and keys."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.one_database import OneDatabaseSource

SOURCE = "kilo"
DATABASE = "kilo.db"


class KiloSource(OneDatabaseSource):
    database = DATABASE
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

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        from tokenpulse.sources.opencode import database  # the same schema; imported on first use

        return database.read_database(path, state, source=SOURCE)
