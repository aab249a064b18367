"""The sources whose whole log is one SQLite database with a fixed name in each root (Goose, Hermes, Kilo CLI):
finding it, owning it (and its -wal, which the watcher sees), and saying it is read as a database. Each source
says where its roots are and how its database is read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind
from tokenpulse.sources.walk import WalkErrors, file_in_root


class OneDatabaseSource:
    database: str  # the file's name in each root
    label: str

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        path = file_in_root(root, self.database, errors)
        if path is not None:
            yield path

    def owns(self, path: Path) -> bool:
        return path.name.removesuffix("-wal") == self.database

    def file_kind(self, path: Path) -> FileKind:
        return "database"

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError(f"{self.label} has no line-based logs")  # file_kind always says "database"
