"""Where Goose keeps its session database (Linux, macOS and older Block paths, or under GOOSE_PATH_ROOT)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.walk import WalkErrors, resolves_inside

DATABASE = "sessions.db"


class GooseSource:
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

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        db = root / DATABASE
        # `is_file()` follows symlinks: a database linked from outside the root is not Goose's own
        if db.is_file() and resolves_inside(db, root):
            yield db

    def owns(self, path: Path) -> bool:
        return path.name.removesuffix("-wal") == DATABASE

    def file_kind(self, path: Path) -> FileKind:
        return "database"

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        from tokenpulse.sources.goose.database import read_sessions  # imported on first use

        return read_sessions(path, state)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError("Goose has no line-based logs")  # file_kind never says "database" otherwise
