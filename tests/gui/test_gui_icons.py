"""The tray icon at panel sizes: every state drawn at 16/22/24/32 px in both styles, on one sheet a person looks at
(tests/gui/screenshots/icon-sheet.png), and the properties that make it readable checked pixel by pixel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap

from tokenpulse.gui.icons import COLOUR, PANEL_SIZES, SYMBOLIC_DARK, SYMBOLIC_LIGHT, IconStyle, icon_style, paint
from tokenpulse.presenters.icon_state import IconState, Mode

SHOTS = Path(__file__).resolve().parent / "screenshots"
STATES = {
    "idle": IconState(Mode.IDLE, "0", 0.0),
    "live 1/3": IconState(Mode.LIVE, "12k", 1 / 3),
    "live 5/6": IconState(Mode.LIVE, "48k", 5 / 6),
    "fresh chat due": IconState(Mode.NUDGE, "48k", 1.0),
    "importing 1/2": IconState(Mode.IMPORTING, "3k", 0.5),
    "paused": IconState(Mode.PAUSED, "12k", 0.0),
    "problem": IconState(Mode.PROBLEM, "12k", 1 / 3),
}
STYLES = {"colour": COLOUR, "symbolic-light": IconStyle(True, SYMBOLIC_LIGHT),
          "symbolic-dark": IconStyle(True, SYMBOLIC_DARK)}
PANELS = {"colour": ("#2b2b2b", "#f0f0f0"), "symbolic-light": ("#2b2b2b",), "symbolic-dark": ("#f0f0f0",)}


def _grey(pm: QPixmap, panel: str) -> list[int]:
    """The icon as a colour-blind eye sees it on `panel`: luminance only, alpha composited."""
    img = QImage(pm.size(), QImage.Format.Format_ARGB32)
    img.fill(QColor(panel))
    p = QPainter(img)
    p.drawPixmap(0, 0, pm)
    p.end()
    return [QColor(img.pixel(x, y)).lightness() for y in range(img.height()) for x in range(img.width())]


def _distance(a: list[int], b: list[int]) -> float:
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def test_render_the_sheet(qapp) -> None:  # type: ignore[no-untyped-def]
    """Every state × size × style on its panel colours; the sheet is written for a person to look at."""
    cell, label_w = 40, 130
    rows = [(style, panel) for style in STYLES for panel in PANELS[style]]
    sheet = QPixmap(label_w + len(STATES) * len(PANEL_SIZES) * cell + 10, 30 + len(rows) * cell)
    sheet.fill(QColor("white"))
    p = QPainter(sheet)
    font = QFont()
    font.setPixelSize(10)
    p.setFont(font)
    for i, name in enumerate(STATES):
        p.drawText(QRect(label_w + i * len(PANEL_SIZES) * cell, 2, len(PANEL_SIZES) * cell, 26),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, name)
    for r, (style, panel) in enumerate(rows):
        y = 30 + r * cell
        p.fillRect(QRect(0, y, sheet.width(), cell), QColor(panel))
        p.setPen(QColor("white") if QColor(panel).lightness() < 128 else QColor("black"))
        p.drawText(QRect(4, y, label_w, cell), Qt.AlignmentFlag.AlignVCenter, f"{style}")
        for i, state in enumerate(STATES.values()):
            for j, size in enumerate(PANEL_SIZES):
                x = label_w + (i * len(PANEL_SIZES) + j) * cell
                p.drawPixmap(x + (cell - size) // 2, y + (cell - size) // 2, paint(state, size, STYLES[style]))
    p.end()
    SHOTS.mkdir(exist_ok=True)
    out = SHOTS / "icon-sheet.png"
    assert sheet.save(str(out))
    assert out.stat().st_size > 2_000


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("size", PANEL_SIZES)
def test_states_differ_without_colour(qapp, size: int, style: str) -> None:  # type: ignore[no-untyped-def]
    """In grey levels alone, each state differs from every other by a visible amount at every panel size."""
    panel = PANELS[style][0]
    grey = {name: _grey(paint(state, size, STYLES[style]), panel) for name, state in STATES.items()}
    names = list(grey)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert _distance(grey[a], grey[b]) > 4.0, f"{a} and {b} look alike in grey at {size} px ({style})"


@pytest.mark.parametrize("size", PANEL_SIZES)
def test_ring_fills_with_the_context(qapp, size: int) -> None:  # type: ignore[no-untyped-def]
    """The ring is the signal: more context, more of the arc drawn (counted in bright pixels)."""
    def lit(ring: float) -> int:
        img = paint(IconState(Mode.LIVE, "", ring), size, STYLES["symbolic-light"]).toImage()
        return sum(1 for y in range(size) for x in range(size) if QColor.fromRgba(img.pixel(x, y)).alpha() > 200)

    counts = [lit(r) for r in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert counts == sorted(counts) and counts[-1] > counts[0] + size, counts


def test_numbers_only_where_there_is_room(qapp) -> None:  # type: ignore[no-untyped-def]
    for size in (16, 22, 24):
        assert paint(IconState(Mode.LIVE, "888k", 0.5), size).toImage() == \
            paint(IconState(Mode.LIVE, "", 0.5), size).toImage(), f"a number drawn at {size} px"
    assert paint(IconState(Mode.LIVE, "888k", 0.5), 32).toImage() != paint(IconState(Mode.LIVE, "", 0.5), 32).toImage()


@pytest.mark.parametrize("style", ["symbolic-light", "symbolic-dark"])
def test_symbolic_icons_use_one_colour(qapp, style: str) -> None:  # type: ignore[no-untyped-def]
    """A symbolic icon is its foreground colour at varying opacity and nothing else, so it follows the panel."""
    want = QColor(STYLES[style].foreground)
    for state in STATES.values():
        img = paint(state, 24, STYLES[style]).toImage().convertToFormat(QImage.Format.Format_ARGB32)
        for y in range(24):
            for x in range(24):
                c = QColor.fromRgba(img.pixel(x, y))
                if c.alpha() > 128:  # antialiased edges aside
                    assert max(abs(c.red() - want.red()), abs(c.green() - want.green()),
                               abs(c.blue() - want.blue())) <= 12, (state, x, y, c.name())


def test_style_choice() -> None:
    assert icon_style({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}) == IconStyle(True, SYMBOLIC_LIGHT)
    assert icon_style({"XDG_CURRENT_DESKTOP": "KDE"}) == COLOUR
    assert icon_style({"XDG_CURRENT_DESKTOP": "GNOME", "TOKENPULSE_TRAY_ICON": "colour"}) == COLOUR
    assert icon_style({"TOKENPULSE_TRAY_ICON": "symbolic-dark"}) == IconStyle(True, SYMBOLIC_DARK)
