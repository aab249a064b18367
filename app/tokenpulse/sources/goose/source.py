"""Where Goose keeps its session database (Linux, macOS and older Block paths, or under GOOSE_PATH_ROOT)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.one_database import OneDatabaseSource

DATABASE = "sessions.db"


class GooseSource(OneDatabaseSource):
    database = DATABASE
    name = "goose"
    label = "Goose"
    env_var = "GOOSE_PATH_ROOT"  # Goose's own variable: `<root>/data/sessions/sessions.db`

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        custom = env.get(self.env_var, "").strip()
        if custom:
            return [Path(custom).expanduser() / "data" / "sessions"]
        roots = [home / ".local" / "share" / "goose" / "sessions",
                 home / "Library" / "Application Support" / "goose" / "sessions",
                 home / ".local" / "share" / "Block" / "goose" / "sessions"]
        xdg = env.get("XDG_DATA_HOME")
        if xdg and Path(xdg) / "goose" / "sessions" not in roots:
            roots.insert(0, Path(xdg) / "goose" / "sessions")
        return roots

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        from tokenpulse.sources.goose.database import read_sessions  # imported on first use

        return read_sessions(path, state)
