"""How report output looks on this terminal: whether to colour it, how wide to lay it out, and the styles.

Colour only on an interactive terminal (not when piped or redirected), never with `NO_COLOR` set
(no-color.org), never on a `dumb` terminal; `--color always|never` decides instead when given, and
`FORCE_COLOR` (set, not empty) asks for colour as `--color always` does. Tables fit 80 columns, or the
terminal when it is narrower; a wider terminal gives their flexible columns room.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

DEFAULT_WIDTH = 80
MIN_WIDTH = 40
COLOR_CHOICES = ("auto", "always", "never")

# SGR codes: a few, used with meaning (bold: the work and the totals; dim: what explains; red/yellow: waste)
_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold red": "1;31"}


@dataclass(frozen=True, slots=True)
class Look:
    """Colour on or off, and the width tables should fit."""

    color: bool = False
    width: int = DEFAULT_WIDTH

    def paint(self, text: str, style: str | None) -> str:
        """`text` in `style` (a key of _CODES) when colour is on; as it is otherwise, or for empty text."""
        if not self.color or not style or not text:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"


def wants_color(stream: TextIO, choice: str = "auto", environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if choice == "never":
        return False
    if choice == "always":
        return True
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return _isatty(stream) and env.get("TERM") != "dumb"


def table_width(stream: TextIO) -> int:
    """80 columns when piped or redirected (whatever the shell's `COLUMNS` says); on a terminal, its width."""
    if not _isatty(stream):
        return DEFAULT_WIDTH
    columns = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(MIN_WIDTH, columns)


def look(stream: TextIO, choice: str = "auto") -> Look:
    return Look(wants_color(stream, choice), table_width(stream))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or replaced stream
        return False
