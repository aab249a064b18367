"""The data and config folders: platform defaults, or one folder given by TOKENPULSE_HOME / --data-dir."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

APP_NAME = "tokenpulse"
DB_NAME = "tokenpulse.sqlite3"  # the store's file name in the data folder


class AppPaths(NamedTuple):
    """Immutable, like a frozen dataclass; a NamedTuple because `tokenpulse status` imports this module and
    dataclasses alone (with inspect) cost it ~10 ms."""

    data_dir: Path
    config_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def scan_lock(self) -> Path:
        return self.data_dir / "scan.lock"

    @property
    def instance_lock(self) -> Path:
        return self.data_dir / "app.lock"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"


def resolve(data_dir: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> AppPaths:
    """`data_dir` (the CLI flag) wins, then TOKENPULSE_HOME, then the platform's user folders."""
    env = os.environ if env is None else env
    chosen = data_dir or env.get("TOKENPULSE_HOME")
    if chosen:
        home = Path(chosen).expanduser()
        return AppPaths(data_dir=home, config_dir=home)
    import platformdirs

    return AppPaths(data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
                    config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))
