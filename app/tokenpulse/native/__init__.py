"""The optional compiled accelerator of the scan's per-byte work, and the choice between it and its Python twin.

`_scan` (C against the CPython API, built from `_scan.c` when a compiler is there) finds the lines of a block
that carry a format's needles, counts the torn ones and extracts the fields of the hot records (Claude Code
usage lines, Codex `token_count` events) without building a JSON tree, with the GIL released. Its readers
(`ClaudeReader`, `CodexReader`: the parsers' record keeping, dedupe keys included, in C) then make the calls.
Anything it is not sure of (an escape in a field, a float, a duplicate key, deep nesting, invalid UTF-8) it
hands to the parser's decoder, in its place among the lines, which decodes it with msgspec as the pure-Python
path does and gives its record to the same reader: both paths give the same calls, byte for byte.

`TOKENPULSE_PURE_PYTHON=1` turns the accelerator off (for tests and measurements).
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("TOKENPULSE_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from tokenpulse.native import _scan
    except ImportError:  # built without a compiler or Python headers: the Python path is used
        return None
    return _scan


accelerator: ModuleType | None = _load()
