"""Where Hermes Agent keeps its state database (one per Hermes home)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.one_database import OneDatabaseSource

DATABASE = "state.db"


class HermesSource(OneDatabaseSource):
    database = DATABASE
    name = "hermes"
    label = "Hermes Agent"
    env_var = "HERMES_HOME"  # Hermes's own variable (comma-separated here, as ccusage accepts)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        return env_paths(env.get(self.env_var)) or [home / ".hermes"]

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        from tokenpulse.sources.hermes.database import read_sessions  # imported on first use

        return read_sessions(path, state)
