"""Where OpenCode keeps its messages: SQLite databases first, legacy JSON message files behind them."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, file_in_root, resolves_inside, walk_files


def is_database_name(name: str) -> bool:
    """`opencode.db` and channel databases `opencode-<channel>.db` (and their -wal, which the watcher sees)."""
    base = name.removesuffix("-wal")
    return base == "opencode.db" or (base.startswith("opencode-") and base.endswith(".db"))


class OpenCodeSource:
    name = "opencode"
    label = "OpenCode"
    env_var = "OPENCODE_DATA_DIR"  # ccusage's variable; default is OpenCode's XDG data folder

    def __init__(self) -> None:
        # database path → (signature, message ids): legacy files of messages in a database are skipped
        self._db_ids: dict[str, tuple[tuple[int, int, int, int], set[str]]] = {}

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        configured = env_paths(env.get(self.env_var))
        if configured:
            return configured
        data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
        return [data / "opencode"]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        # databases first (the current store), then legacy message files; a root may also be `storage/` itself
        try:
            names = sorted(os.listdir(root))
        except OSError:
            names = []
        for name in names:
            if is_database_name(name) and not name.endswith("-wal"):
                database = file_in_root(root, name, errors)
                if database is not None:
                    yield database
        for messages in (root / "storage" / "message", root / "message"):
            # walk_files treats its folder as a root of its own; a `storage` link out of this root is not
            if resolves_inside(messages, root):
                yield from walk_files(messages, _is_message_name, errors)

    def owns(self, path: Path) -> bool:
        if is_database_name(path.name):
            return True
        return _is_message_name(path.name) and "message" in path.parts

    def file_kind(self, path: Path) -> FileKind:
        return "database" if is_database_name(path.name) else "document"

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        from tokenpulse.sources.opencode import database  # imported on first use, as the other parsers

        return database.read_database(path, state)

    def read_document(self, path: Path, data: bytes) -> Parsed:
        from tokenpulse.sources.opencode.parser import decode_message, message_call

        parsed = Parsed()
        msg = decode_message(data, parsed.skipped)
        if msg is None:
            return parsed
        call, had_usage = message_call(msg, parsed.skipped)
        parsed.usage_records += had_usage
        if call is None:
            return parsed
        mid = msg.id if isinstance(msg.id, str) else None
        if mid is not None and mid in self._ids_in_databases(path):
            parsed.skipped["legacy copy of a database message"] += 1  # the database row wins
            return parsed
        parsed.calls.append(call)
        return parsed

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError("OpenCode has no line-based logs")  # file_kind never says "lines"

    def _ids_in_databases(self, message_file: Path) -> set[str]:
        """Message ids in the databases of the data folder that holds this legacy file."""
        parts = message_file.parts
        if "message" not in parts:
            return set()
        storage = Path(*parts[: len(parts) - 1 - parts[::-1].index("message")])
        data_dir = storage.parent if storage.name == "storage" else storage
        ids: set[str] = set()
        for db in self.iter_databases(data_dir):
            ids |= self._cached_ids(db)
        return ids

    @staticmethod
    def iter_databases(data_dir: Path) -> list[Path]:
        try:
            names = sorted(os.listdir(data_dir))
        except OSError:
            return []
        return [data_dir / n for n in names if is_database_name(n) and not n.endswith("-wal")]

    def _cached_ids(self, db: Path) -> set[str]:
        try:
            st = os.stat(db)
            wal = os.stat(f"{db}-wal") if os.path.exists(f"{db}-wal") else None
        except OSError:
            return set()
        sig = (st.st_ino, st.st_size, wal.st_size if wal else 0, max(st.st_mtime_ns, wal.st_mtime_ns if wal else 0))
        known = self._db_ids.get(str(db))
        if known is not None and known[0] == sig:
            return known[1]
        try:
            from tokenpulse.sources.opencode import database

            ids = database.message_ids(db)
        except (sqlite3.Error, OSError):  # OSError: not a regular file (a FIFO would block SQLite)
            ids = set()  # busy or not OpenCode's: the legacy file counts, the database row (if any) dedupes it
        self._db_ids[str(db)] = (sig, ids)
        return ids


def _is_message_name(name: str) -> bool:
    return name.endswith(".json")
