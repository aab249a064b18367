"""Field helpers shared by parsers: timestamps, dedupe keys and path splitting of env lists."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

_EPOCH_MS_MIN = 946_684_800_000  # 2000-01-01: older stamps are corrupt, not history
_EPOCH_MS_MAX = 4_102_444_800_000  # 2100-01-01


def parse_iso_ms(value: object) -> int | None:
    """ISO-8601 text (with `Z` or an offset) to UTC epoch milliseconds; None when unusable."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    if stamp.tzinfo is None:  # agents write UTC; a naive stamp is read as UTC rather than dropped
        ms = int((stamp - datetime(1970, 1, 1)).total_seconds() * 1000)
    else:
        ms = int(stamp.timestamp() * 1000)
    return ms if _EPOCH_MS_MIN <= ms <= _EPOCH_MS_MAX else None


def call_key(*parts: object) -> bytes:
    """A 16-byte digest of the parts that identify one API call (stable across files and rescans)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def short_hash(text: str) -> int:
    """A signed 63-bit hash that fits an SQLite INTEGER column."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()) >> 1


def env_paths(value: str | None) -> list[Path]:
    """A comma-separated list of folders (as ccusage accepts), `~` expanded, blanks dropped."""
    if not value:
        return []
    return [Path(p.strip()).expanduser() for p in value.split(",") if p.strip()]
