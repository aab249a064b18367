"""The tray icon, drawn at run time from an IconState for each panel size: the context ring first.

Panels draw tray icons at 16–24 px (GNOME at a fixed 16), where digits are noise: there the icon is the ring
alone, thick, filling clockwise from 12 o'clock, and each state has a *shape* of its own so it reads without
colour vision — a full disc with "!" (a fresh chat is due), two bars (paused), a dashed arc (importing), a
triangle badge (a problem). Today's output is written inside the ring from 32 px up.

Two styles: "colour" (a dark disc with a light rim, which reads on light and dark panels alike) and
"symbolic" (one colour, no disc, like GNOME's status icons), drawn light on a dark panel or dark on a light
one. `icon_style()` picks: TOKENPULSE_TRAY_ICON if set, else symbolic-light on GNOME (its top bar is dark in
both schemes), else colour.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

from tokenpulse.presenters.icon_state import IconState, Mode
from tokenpulse.resources import resource_path

SIZES = (16, 20, 22, 24, 32, 48, 64)
PANEL_SIZES = (16, 22, 24, 32)  # what panels actually ask for; tests render each
DISC = {Mode.IDLE: "#263238", Mode.LIVE: "#263238", Mode.IMPORTING: "#263238", Mode.PROBLEM: "#263238",
        Mode.NUDGE: "#d84315", Mode.PAUSED: "#616161"}
RING = {Mode.LIVE: "#4dd0e1", Mode.IMPORTING: "#90caf9", Mode.PROBLEM: "#4dd0e1", Mode.IDLE: "#4dd0e1"}
RING_HOT = "#ffb300"  # the live chat is past three quarters of the threshold
LIMIT = ((95, "#e53935"), (80, "#ffb300"), (0, "#90caf9"))  # plan window bar: red, amber, else light blue
RIM = QColor(255, 255, 255, 170)
TRACK = QColor(255, 255, 255, 45)
BADGE = "#e53935"
DISC_HALO = QColor(20, 28, 32, 230)
MIN_TEXT_PX = 32  # below this a number is a smudge that hides the ring
SYMBOLIC_LIGHT, SYMBOLIC_DARK = "#f2f2f2", "#2e3436"  # GNOME's symbolic foregrounds on dark / light panels
STYLE_ENV = "TOKENPULSE_TRAY_ICON"


@dataclass(frozen=True, slots=True)
class IconStyle:
    symbolic: bool = False
    foreground: str = SYMBOLIC_LIGHT  # the glyph's colour when symbolic


COLOUR = IconStyle()


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "tokenpulse.svg")))


def icon_style(env: Mapping[str, str] | None = None) -> IconStyle:
    """colour | symbolic (follows the desktop's light/dark scheme) | symbolic-light | symbolic-dark | auto."""
    env = os.environ if env is None else env
    choice = env.get(STYLE_ENV, "auto").strip().lower()
    if choice in ("colour", "color"):
        return COLOUR
    if choice == "symbolic-light":
        return IconStyle(True, SYMBOLIC_LIGHT)
    if choice == "symbolic-dark":
        return IconStyle(True, SYMBOLIC_DARK)
    if choice == "symbolic":
        return IconStyle(True, SYMBOLIC_LIGHT if _dark_scheme() else SYMBOLIC_DARK)
    desktop = env.get("XDG_CURRENT_DESKTOP", "").lower()
    if any(name in desktop for name in ("gnome", "unity", "ubuntu")):
        return IconStyle(True, SYMBOLIC_LIGHT)
    return COLOUR


def _dark_scheme() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return True
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().window().color().lightnessF() < 0.5


def tray_icon(state: IconState, style: IconStyle = COLOUR) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(paint(state, size, style))
    return icon


def ring_width(size: int) -> float:
    """Thick where the ring is all there is; thinner from 32 px, where a number shares the disc."""
    return max(2.5, size * (0.17 if size < MIN_TEXT_PX else 0.12))


def paint(state: IconState, size: int, style: IconStyle = COLOUR) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    ink = QColor(style.foreground) if style.symbolic else QColor("white")
    rim = 0.0 if style.symbolic else max(1.0, size / 24)
    disc = QRectF(rim / 2, rim / 2, size - rim, size - rim)
    if not style.symbolic:
        p.setPen(QPen(RIM, rim))
        p.setBrush(QColor(DISC[state.mode]))
        p.drawEllipse(disc)
    width = ring_width(size)
    inset = rim / 2 + width / 2 + (0.0 if not style.symbolic else 0.25)
    ring = disc.adjusted(inset, inset, -inset, -inset)
    inner = ring.adjusted(width / 2, width / 2, -width / 2, -width / 2)
    if state.mode is Mode.NUDGE:
        _nudge(p, ring, width, inner, size, style, ink)
    elif state.mode is Mode.PAUSED:
        _track(p, ring, width, style, ink)
        _pause_bars(p, inner, ink)
    else:
        _track(p, ring, width, style, ink)
        _arc(p, ring, width, state, style, ink)
        if size >= MIN_TEXT_PX and state.label and state.mode is not Mode.PROBLEM:  # the badge would cover it
            _label(p, disc, inner, state.label, ink, style)
    if state.limit_percent is not None:
        _limit_bar(p, disc, state.limit_percent, style, ink)
    if state.mode is Mode.PROBLEM:
        _problem_badge(p, size, style, ink)
    p.end()
    return pm


def _track(p: QPainter, rect: QRectF, width: float, style: IconStyle, ink: QColor) -> None:
    """The empty ring: dim, so that the arc over it stands out in brightness as well as in colour."""
    colour = QColor(ink) if style.symbolic else QColor(TRACK)
    colour.setAlphaF(0.35 if style.symbolic else TRACK.alphaF())
    pen = QPen(colour, width)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(pen)
    p.drawEllipse(rect)


def _arc(p: QPainter, rect: QRectF, width: float, state: IconState, style: IconStyle, ink: QColor) -> None:
    if state.ring <= 0:
        return
    if style.symbolic:
        colour = QColor(ink)
    else:
        colour = QColor(RING_HOT if state.mode is Mode.LIVE and state.ring >= 0.75 else RING.get(state.mode,
                                                                                                   RING[Mode.LIVE]))
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    if state.mode is Mode.IMPORTING:  # importing: a dashed arc, unlike a chat's solid one
        circumference = math.pi * rect.width()
        dash = circumference / 12 / width
        pen.setDashPattern([dash * 0.6, dash * 0.4])
    p.setPen(pen)
    # Qt angles: 1/16 degree, counter-clockwise from 3 o'clock; start at 12 and run clockwise
    p.drawArc(rect, 90 * 16, -round(state.ring * 360 * 16))


def _nudge(p: QPainter, ring: QRectF, width: float, inner: QRectF, size: int, style: IconStyle,
           ink: QColor) -> None:
    """A fresh chat is due: the ring is full and the middle is solid with an "!" cut out of it."""
    outer = ring.adjusted(-width / 2, -width / 2, width / 2, width / 2)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ink if style.symbolic else QColor("#ffcc80"))
    p.drawEllipse(outer)
    if not style.symbolic:
        p.setBrush(QColor(DISC[Mode.NUDGE]))
        p.drawEllipse(inner.adjusted(-0.5, -0.5, 0.5, 0.5))
    _exclamation(p, outer if style.symbolic else inner, size, style, clear=style.symbolic)


def _exclamation(p: QPainter, area: QRectF, size: int, style: IconStyle, *, clear: bool) -> None:
    c = area.center()
    h = area.height() * (0.62 if style.symbolic else 0.78)
    w = max(1.6, size * 0.11)
    dot = w
    gap = max(1.0, size * 0.05)
    top = c.y() - h / 2
    bar = QRectF(c.x() - w / 2, top, w, h - dot - gap)
    spot = QRectF(c.x() - dot / 2, top + h - dot, dot, dot)
    if clear:
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    p.setBrush(QColor("white"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRect(bar)
    p.drawRect(spot)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)


def _pause_bars(p: QPainter, inner: QRectF, ink: QColor) -> None:
    w, h = max(1.5, inner.width() * 0.2), inner.height() * 0.62
    c = inner.center()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ink)
    for dx in (-w * 0.95, w * 0.95):
        p.drawRect(QRectF(c.x() + dx - w / 2, c.y() - h / 2, w, h))


def _problem_badge(p: QPainter, size: int, style: IconStyle, ink: QColor) -> None:
    """A triangle in the top-right corner (a warning sign), cleared around so it stands apart from the ring."""
    side = size * (0.5 if size < MIN_TEXT_PX else 0.42)
    x0, y0 = size - side, 0.0
    tri = QPolygonF([QPointF(x0 + side / 2, y0), QPointF(size, y0 + side * 0.87), QPointF(x0, y0 + side * 0.87)])
    halo = QPainterPath()
    halo.addPolygon(tri)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    p.strokePath(halo, QPen(QColor("black"), max(1.5, size / 12), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ink if style.symbolic else QColor(BADGE))
    p.drawPolygon(tri)
    mark = QRectF(x0 + side * 0.2, y0 + side * 0.3, side * 0.6, side * 0.52)
    if size >= 22:  # below that the triangle alone is the sign
        _exclamation(p, mark, size, style, clear=style.symbolic)


def _label(p: QPainter, disc: QRectF, inner: QRectF, text: str, ink: QColor, style: IconStyle) -> None:
    """As large as fits inside the ring (never over it: the ring is the signal)."""
    font = QFont()
    font.setBold(True)
    max_w = inner.width() * 0.92
    px = int(inner.height() * 0.55)
    while px > 6:
        font.setPixelSize(px)
        if QFontMetricsF(font).horizontalAdvance(text) <= max_w:
            break
        px -= 1
    font.setPixelSize(px)
    fm = QFontMetricsF(font)
    width = fm.horizontalAdvance(text)
    baseline = QPointF(disc.center().x() - width / 2, disc.center().y() + (fm.ascent() - fm.descent()) / 2)
    path = QPainterPath()
    path.addText(baseline, font, text)
    if not style.symbolic:
        halo = QPen(QColor(DISC_HALO), max(1.5, px / 5))
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.strokePath(path, halo)
    p.fillPath(path, ink)


def _limit_bar(p: QPainter, disc: QRectF, percent: int, style: IconStyle, ink: QColor) -> None:
    """The tightest plan window (issue 11): a bar across the foot of the disc, filled to its percentage; in the
    symbolic style one colour, the fill alone telling the level."""
    h = max(2.0, disc.height() * 0.14)
    track = QRectF(disc.left() + disc.width() * 0.2, disc.bottom() - h * 1.6, disc.width() * 0.6, h)
    p.setPen(Qt.PenStyle.NoPen)
    dim = QColor(ink)
    dim.setAlpha(90)
    p.setBrush(dim if style.symbolic else QColor(20, 28, 32, 220))
    p.drawRoundedRect(track.adjusted(-1, -1, 1, 1), h / 2, h / 2)
    colour = ink if style.symbolic else QColor(next(c for lvl, c in LIMIT if percent >= lvl))
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(track.left(), track.top(), max(h, track.width() * percent / 100), h), h / 2, h / 2)
