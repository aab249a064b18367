"""Breaking text into lines that fit a pixel width in a label's font, for the fixed-width popup and toast.

Measured, not counted: a character count that fits one font clips another. Labels are not left to word-wrap
themselves, because a hidden window gets their height-for-width wrong and clips lines.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics


def wrap_to_width(text: str, font: QFont, width_px: int) -> str:
    """`text` with newlines at spaces so that no line is wider than `width_px` (a longer single word stays)."""
    if not text:
        return ""
    metrics = QFontMetrics(font)
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > width_px:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(current)
    return "\n".join(out)


def keep_parts(line: str) -> str:
    """"a: 38 % at > 150 k · 12 % in …": lines break between the parts after the colon, never inside one."""
    head, sep, rest = line.partition(": ")
    return head + sep + " · ".join(part.replace(" ", "\u00a0") for part in rest.split(" · "))


def fit_parts(line: str, font: QFont, width_px: int) -> str:
    """A line that fits stays as it is; a longer one breaks between its " · " parts first ("Each message
    re-reads ≈ $0.036" over "fresh chat 16k ≈ $0.005"), and inside a part only if that part alone is too wide."""
    if QFontMetrics(font).horizontalAdvance(line) <= width_px:
        return line
    return "\n".join(wrap_to_width(part, font, width_px) for part in line.split(" · "))
