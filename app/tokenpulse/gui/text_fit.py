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
