"""Copying a whole SQLite database into another through SQLite's online backup API.

The copy is one write transaction in the target, under SQLite's locks: safe while other connections have
either file open, and a failure (a full disk) leaves the target as it was. Readers of the source see a
consistent state, the write-ahead log's committed pages included.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


def copy_database(src: Path, dst: Path, timeout_s: float = BUSY_TIMEOUT_S, *, read_only: bool = False) -> None:
    """`read_only`: open the source read-only (a copy that must never write to it, not even its -wal)."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=timeout_s) if read_only \
        else sqlite3.connect(src, timeout=timeout_s)
    try:
        target = sqlite3.connect(dst, timeout=timeout_s)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
