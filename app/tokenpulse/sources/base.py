"""The small interface every agent source implements, so the scanner and watcher stay agent-agnostic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from tokenpulse.sources.walk import WalkErrors
from tokenpulse.usage import ApiCall


class LineParser(Protocol):
    """Parses one file's complete lines in order; carries whatever per-file state the format needs.

    `feed` never raises: a bad line is counted in `skipped` under a short reason and dropped.
    """

    skipped: Counter[str]
    usage_records: int
    duplicates: int  # copies of a call already returned by this parser (streaming lines, re-emits)

    def feed(self, line: bytes) -> ApiCall | None: ...

    def state(self) -> dict[str, Any]:
        """JSON-able state to persist beside the file cursor, so the next read resumes exactly."""
        ...


class Source(Protocol):
    """An agent whose local files hold per-call token counts."""

    name: str  # stable id stored in the database, e.g. "claude-code"
    label: str  # for people, e.g. "Claude Code"
    env_var: str  # the environment variable that relocates its data

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """Folders to scan and watch, whether or not they exist yet."""
        ...

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        """Every log file under a root that may hold usage."""
        ...

    def owns(self, path: Path) -> bool:
        """Whether a changed path (seen by the watcher) is one of this source's log files."""
        ...

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> LineParser: ...
