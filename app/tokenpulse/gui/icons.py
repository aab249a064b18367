"""The tray icon, drawn at run time from an IconState: a dark disc, a ring that fills, today's output inside."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QIcon, QPainter, QPainterPath, QPen, QPixmap

from tokenpulse.presenters.icon_state import IconState, Mode
from tokenpulse.resources import resource_path

SIZES = (16, 20, 22, 24, 32, 48, 64)
# A dark disc with a light rim reads on light and on dark panels alike.
DISC = {Mode.IDLE: "#263238", Mode.LIVE: "#263238", Mode.IMPORTING: "#263238", Mode.PROBLEM: "#263238",
        Mode.NUDGE: "#bf360c", Mode.PAUSED: "#616161"}
RING = {Mode.LIVE: "#26c6da", Mode.IMPORTING: "#64b5f6", Mode.NUDGE: "#ffcc80", Mode.PROBLEM: "#26c6da"}
RING_HOT = "#ffb300"  # the live chat is past three quarters of the threshold
LIMIT = ((95, "#e53935"), (80, "#ffb300"), (0, "#90caf9"))  # plan window bar: red, amber, else light blue
RIM = QColor(255, 255, 255, 150)
TRACK = QColor(255, 255, 255, 60)
BADGE = "#e53935"
DISC_HALO = QColor(20, 28, 32, 230)
MIN_TEXT_PX = 20  # below this the number would be a smudge: the ring alone carries the meaning


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "tokenpulse.svg")))


def tray_icon(state: IconState) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(paint(state, size))
    return icon


def paint(state: IconState, size: int) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    rim = max(1.0, size / 24)
    disc = QRectF(rim / 2, rim / 2, size - rim, size - rim)
    p.setPen(QPen(RIM, rim))
    p.setBrush(QColor(DISC[state.mode]))
    p.drawEllipse(disc)
    ring_w = max(2.0, size * (0.13 if size >= 32 else 0.1))
    ring_rect = disc.adjusted(rim / 2 + ring_w / 2, rim / 2 + ring_w / 2, -rim / 2 - ring_w / 2,
                              -rim / 2 - ring_w / 2)
    if state.mode is Mode.PAUSED:
        _pause_bars(p, disc)
    else:
        _ring(p, ring_rect, ring_w, state)
        inner = ring_rect.adjusted(ring_w / 2, ring_w / 2, -ring_w / 2, -ring_w / 2)
        if size >= MIN_TEXT_PX:
            _label(p, disc, inner, state.label)
        else:
            _dot(p, inner, state)
    if state.limit_percent is not None:
        _limit_bar(p, disc, state.limit_percent)
    if state.mode is Mode.PROBLEM:
        r = size * 0.18
        p.setPen(QPen(QColor("white"), max(1.0, size / 32)))
        p.setBrush(QColor(BADGE))
        p.drawEllipse(QPointF(size - r - 0.5, r + 0.5), r, r)
    p.end()
    return pm


def _ring(p: QPainter, rect: QRectF, width: float, state: IconState) -> None:
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(TRACK, width))
    p.drawEllipse(rect)
    if state.ring <= 0:
        return
    colour = RING.get(state.mode, RING[Mode.LIVE])
    if state.mode is Mode.LIVE and state.ring >= 0.75:
        colour = RING_HOT
    pen = QPen(QColor(colour), width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    p.setPen(pen)
    # Qt angles: 1/16 degree, counter-clockwise from 3 o'clock; start at 12 and run clockwise
    p.drawArc(rect, 90 * 16, -round(state.ring * 360 * 16))


def _label(p: QPainter, disc: QRectF, inner: QRectF, text: str) -> None:
    """As large as fits: the text may run over the ring, so it gets a dark halo to stay readable there."""
    font = QFont()
    font.setBold(True)
    max_w = disc.width() * 0.9
    px = int(inner.height() * 0.7)
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
    halo = QPen(QColor(DISC_HALO), max(1.5, px / 5))
    halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.strokePath(path, halo)
    p.fillPath(path, QColor("white"))


def _limit_bar(p: QPainter, disc: QRectF, percent: int) -> None:
    """The tightest plan window (issue 11): a bar across the foot of the disc, filled to its percentage."""
    h = max(2.0, disc.height() * 0.14)
    track = QRectF(disc.left() + disc.width() * 0.2, disc.bottom() - h * 1.6, disc.width() * 0.6, h)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(20, 28, 32, 220))
    p.drawRoundedRect(track.adjusted(-1, -1, 1, 1), h / 2, h / 2)
    colour = next(c for lvl, c in LIMIT if percent >= lvl)
    p.setBrush(QColor(colour))
    p.drawRoundedRect(QRectF(track.left(), track.top(), max(h, track.width() * percent / 100), h), h / 2, h / 2)


def _dot(p: QPainter, inner: QRectF, state: IconState) -> None:
    r = inner.width() * 0.28
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(QColor("white")))
    p.drawEllipse(inner.center(), r, r)


def _pause_bars(p: QPainter, disc: QRectF) -> None:
    w, h = disc.width() * 0.14, disc.height() * 0.42
    c = disc.center()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    for dx in (-w * 1.1, w * 1.1):
        p.drawRoundedRect(QRectF(c.x() + dx - w / 2, c.y() - h / 2, w, h), w / 3, w / 3)
