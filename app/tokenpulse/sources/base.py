"""The small interface every agent source implements, so the scanner and watcher stay agent-agnostic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from tokenpulse.sources.walk import WalkErrors
from tokenpulse.usage import ApiCall


class LineParser(Protocol):
    """Parses one file's complete lines in order; carries whatever per-file state the format needs.

    `feed` never raises: a bad line is counted in `skipped` under a short reason and dropped.
    """

    skipped: Counter[str]

    @property
    def usage_records(self) -> int:
        """Records that carried usage, counted or not."""
        ...

    @property
    def duplicates(self) -> int:
        """Copies of a call already returned by this parser (streaming lines, re-emits)."""
        ...

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


# ---------------------------------------------------------------------------------------------
# Files that are not append-only lines: whole JSON documents rewritten in place, and SQLite databases.
# A source opts in with `file_kind`; sources without it are line-based and the scanner treats them as before.
# ---------------------------------------------------------------------------------------------

FileKind = Literal["lines", "document", "database"]


@dataclass(slots=True)
class Parsed:
    """What one read of a whole document or a database found, with the counts the scan summary reports."""

    calls: list[ApiCall] = field(default_factory=list)
    usage_records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


class DocumentSource(Source, Protocol):
    """A source some of whose files are whole documents: the scanner re-parses such a file whenever it changes.

    Keys must be stable per call, so that re-parsing an unchanged part of a document changes nothing.
    """

    def file_kind(self, path: Path) -> FileKind: ...

    def read_document(self, path: Path, data: bytes) -> Parsed:
        """Every call in the document; never raises on bad content (it is counted in `skipped`)."""
        ...


class DatabaseSource(Source, Protocol):
    """A source whose log is an SQLite database that the agent keeps writing (read-only, incrementally)."""

    def file_kind(self, path: Path) -> FileKind: ...

    def read_database(self, path: Path, state: Mapping[str, Any] | None) -> tuple[Parsed, dict[str, Any]]:
        """Calls new or changed since `state` (None: read everything) and the state to resume from.

        May raise sqlite3.Error or OSError (the database is busy, locked or not one of the agent's).
        """
        ...


def file_kind(source: Source, path: Path) -> FileKind:
    """How the scanner reads `path`: line by line unless the source says otherwise."""
    kind = getattr(source, "file_kind", None)
    return "lines" if kind is None else kind(path)
