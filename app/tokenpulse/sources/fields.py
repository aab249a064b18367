"""Field helpers shared by parsers: timestamps, dedupe keys and path splitting of env lists."""

from __future__ import annotations

try:  # hashlib.blake2b is this one; importing hashlib also loads OpenSSL's hashes (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # an interpreter without the private module
    from hashlib import blake2b
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
    return plausible_ms(ms)


def text_or_none(value: object) -> str | None:
    """A field's text when it is a non-empty string, else None (the only way the parsers read text fields)."""
    return value if isinstance(value, str) and value else None


def plausible_ms(value: object) -> int | None:
    """Epoch milliseconds inside the window a real log can carry; None otherwise (bools are not numbers).

    Stamps that are plain numbers (OTel, OpenCode) go through here too: an unchecked one could be negative,
    or so large that storing it made the scan of the whole file raise (no datetime, no SQLite integer holds it).
    """
    if type(value) is int and _EPOCH_MS_MIN <= value <= _EPOCH_MS_MAX:
        return value
    return None


def ascii_int(text: str, max_digits: int = 20) -> int | None:
    """The integer an OTLP-style decimal string holds, or None: only ASCII digits, and not so many of them
    that int() refuses them (str.isdigit() is also true of "²" and of other scripts' digits, which int()
    rejects or reads, so it cannot guard the conversion on its own)."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def call_key(*parts: object) -> bytes:
    """A 16-byte digest of the parts that identify one API call (stable across files and rescans)."""
    text = "\x1f".join(["" if p is None else p if type(p) is str else str(p) for p in parts])
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def short_hash(text: str) -> int:
    """A signed 63-bit hash that fits an SQLite INTEGER column."""
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()) >> 1


def env_paths(value: str | None) -> list[Path]:
    """A comma-separated list of folders (as ccusage accepts), `~` expanded, blanks dropped."""
    if not value:
        return []
    return [Path(p.strip()).expanduser() for p in value.split(",") if p.strip()]
