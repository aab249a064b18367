"""Text in the fixed-width popup and toast is broken by measured width, so no line is clipped in any font."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics

from tokenpulse.gui.text_fit import wrap_to_width

BODY = ("Claude Code · tokenpulse: the context is now 120k tokens (it started at 11k). A message costs $0.05 now"
        " vs $0.03 at the start. A fresh chat with a short recap would save about $0.31 over the next 10 messages.")


@pytest.mark.parametrize("point_size,bold", [(9, False), (10, False), (12, True), (16, False)])
def test_every_line_fits_and_no_word_is_lost(qapp, point_size: int, bold: bool) -> None:  # type: ignore[no-untyped-def]
    font = QFont()
    font.setPointSize(point_size)
    font.setBold(bold)
    width = 338
    wrapped = wrap_to_width(BODY, font, width)
    metrics = QFontMetrics(font)
    lines = wrapped.split("\n")
    assert len(lines) > 1
    assert all(metrics.horizontalAdvance(line) <= width for line in lines), lines
    assert " ".join(lines) == BODY  # broken only at spaces
    # greedy: the next word would not have fitted on any line
    for line, nxt in zip(lines, lines[1:]):
        assert metrics.horizontalAdvance(f"{line} {nxt.split(' ')[0]}") > width


def test_a_word_wider_than_the_line_stays_whole(qapp) -> None:  # type: ignore[no-untyped-def]
    path = "/home/u/" + "very-long-folder-name-" * 6
    assert wrap_to_width(f"in {path} now", QFont(), 100).split("\n") == ["in", path, "now"]
    assert wrap_to_width("", QFont(), 100) == ""
