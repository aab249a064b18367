"""The manifest beside each published ledger: who wrote it, with which schema, what it holds, and its checksum.

It is small JSON, read with strict checks (it comes from another machine through a synchroniser, so it is
untrusted: sizes, types and names are checked, text is cleaned before it is shown). The counts let a reader
check the ledger it copied against what its writer meant to publish; the checksum tells a ledger that is still
being transferred (or torn) from a finished one.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from tokenpulse.store.sync.identity import ID_PATTERN, clean_name

FORMAT = 1  # a manifest of a higher format needs a newer tokenpulse to read
MAX_BYTES = 64 * 1024


class ManifestError(ValueError):
    """A manifest that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Counts:
    """What a ledger holds: calls and sessions, and tokens by type (cache writes 5-minute plus 1-hour)."""

    calls: int = 0
    sessions: int = 0
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    first_call_ms: int | None = None
    last_call_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    device_id: str
    device_name: str
    app_version: str  # the tokenpulse that wrote it
    schema: str  # its store's schema revision
    written_ms: int
    ledger_bytes: int
    ledger_sha256: str
    counts: Counts
    project_paths: str  # "full", "folder" or "hashed"
    zone: str  # the IANA zone its local-hour rollup is kept in
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ManifestError(f"it is not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ManifestError("it is not a JSON object")
        fmt = _int(data, "format")
        if fmt > FORMAT:
            raise ManifestError(f"it is of format {fmt}, newer than this tokenpulse reads (upgrade tokenpulse"
                                f" here to {_text(data, 'app_version', 32)} or later)")
        counts = data.get("counts")
        if not isinstance(counts, dict):
            raise ManifestError("it has no counts")
        device_id = _text(data, "device_id", 16)
        if not ID_PATTERN.match(device_id):
            raise ManifestError("its device id is not 16 hex digits")
        sha = _text(data, "ledger_sha256", 64)
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ManifestError("its checksum is not a SHA-256")
        return cls(
            device_id=device_id, device_name=clean_name(_text(data, "device_name", 200)) or device_id[:8],
            app_version=clean_name(_text(data, "app_version", 32)), schema=clean_name(_text(data, "schema", 64)),
            written_ms=_int(data, "written_ms"), ledger_bytes=_int(data, "ledger_bytes"), ledger_sha256=sha,
            counts=Counts(**{k: _int(counts, k) for k in ("calls", "sessions", "input", "cache_write", "cache_read",
                                                          "output", "reasoning")},
                          first_call_ms=_optional_int(counts, "first_call_ms"),
                          last_call_ms=_optional_int(counts, "last_call_ms")),
            project_paths=clean_name(_text(data, "project_paths", 16)), zone=clean_name(_text(data, "zone", 64)),
            format=fmt)


def _optional_int(data: dict[str, object], key: str) -> int | None:
    return None if data.get(key) is None else _int(data, key)


def _int(data: dict[str, object], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value >= 2**63:
        raise ManifestError(f"its {key} is not a count")
    return value


def _text(data: dict[str, object], key: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or len(value) > limit:
        raise ManifestError(f"its {key} is missing or too long")
    return value


def read_manifest(path: Path) -> Manifest:
    """Raises ManifestError (bad content) or OSError (cannot read)."""
    with open(path, "rb") as fh:
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ManifestError(f"it is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError("it is not UTF-8 text") from exc
    return Manifest.from_json(text)


def write_json(path: Path, text: str, *, private: bool) -> None:
    """Write `text` under a temporary name beside `path`, flush it to disk, and rename it into place."""
    tmp = path.with_name(f".tokenpulse-{os.getpid()}-{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def ledger_counts(conn: sqlite3.Connection, schema: str = "main") -> Counts:
    """The counts of the ledger attached as `schema` on `conn`."""
    row = conn.execute(
        f"SELECT count(*), coalesce(sum(input), 0), coalesce(sum(cache_write_5m + cache_write_1h), 0),"
        f" coalesce(sum(cache_read), 0), coalesce(sum(output), 0), coalesce(sum(reasoning), 0), min(ts_ms),"
        f" max(ts_ms) FROM {schema}.api_call").fetchone()
    sessions = conn.execute(
        f"SELECT count(DISTINCT session_id) FROM {schema}.api_call").fetchone()[0]
    return Counts(calls=int(row[0]), sessions=int(sessions), input=int(row[1]), cache_write=int(row[2]),
                  cache_read=int(row[3]), output=int(row[4]), reasoning=int(row[5]),
                  first_call_ms=None if row[6] is None else int(row[6]),
                  last_call_ms=None if row[7] is None else int(row[7]))
