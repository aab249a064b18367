"""Text from the logs made safe to show: control characters escaped, and JSON that any parser accepts.

Project folders, models, branches, session ids and file names come from files other programs wrote. Printed
raw, `ESC ] 52` would write to the terminal's clipboard, `ESC [2J` clear the screen, a `CR` overwrite what
came before on the line. Like git and ls, every control character (C0, DEL, C1) becomes a visible escape
(`\\x1b`, `\\r`, `\\n`, `\\t`), and so do the Unicode controls that reorder or break shown text (bidi
embeddings, overrides and isolates, line and paragraph separators). Everything else, including other
non-ASCII text, is kept. Backslashes are left alone: the output is for reading, not for parsing back.

Qt-free and standard-library only: the CLI's `status` (which must start in milliseconds), its reports and
the presenters all use it.
"""

from __future__ import annotations

import json
import math
from typing import Any

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
             0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
_ESCAPES = str.maketrans({chr(c): _NAMED.get(chr(c), f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
                          for c in _CONTROLS})


def escape_controls(text: str) -> str:
    """`text` with every control character shown as an escape; text without any is returned as it is."""
    return text.translate(_ESCAPES)


def json_text(value: Any, indent: int | None = 2) -> str:
    """JSON that strict parsers accept: non-finite numbers (which would print as NaN or Infinity, not JSON)
    become null. Strings are ASCII-only, every control character escaped (`json`'s `ensure_ascii`)."""
    return json.dumps(_finite(value), indent=indent, allow_nan=False, ensure_ascii=True)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
