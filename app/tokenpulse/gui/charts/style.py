"""Colours and formats shared by every chart: one colour per agent, per token type, per model; numbers and
names shortened for people."""

from __future__ import annotations

import html
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPalette

from tokenpulse.presenters.numbers import compact, money

# One meaning per colour across every view (tests/charts/test_style.py keeps the families apart): token types,
# agents (their models in shades of the agent's colour), the cost line, "other" grey. Long-chat waste is never a
# colour: it is hatched in the text colour, over whatever it is part of.
TOKENS = {"output": "#43A047", "input": "#1E88E5", "cache_write": "#A855F7", "cache_read": "#00897B"}
TOKEN_LABELS = {"output": "Output", "input": "Input", "cache_write": "Cache write", "cache_read": "Cache read"}
STACK_ORDER = ("output", "input", "cache_write", "cache_read")  # the work at the bottom, re-reading on top
COST = "#E5396E"
OTHER = "#8C8C8C"
WASTE_PATTERN = Qt.BrushStyle.BDiagPattern  # long-chat waste, hatched in the theme's text colour
# Every colour here keeps a 3:1 contrast against both a white and a near-black (#1e1e1e) plot background
# (tests/charts/test_style.py checks it), so light and dark desktops both read. The registry's agents take
# them in order (the first six as they always were; the next picked to stay 25 CIE76 units apart from every
# other agent and 20 from the token types, the cost and "other"); the last two are for agents an old store
# names that the registry no longer knows.
AGENT_PALETTE = ("#D97757", "#A89000", "#9C549C", "#D63AAF", "#6C7236", "#0F7FA0", "#00A800", "#9C00FC",
                 "#FC0000", "#006CFC", "#FC0CF0", "#E47800", "#9C606C", "#CC2430", "#9C84F0", "#906018",
                 "#6C6C9C", "#6C9000", "#D86C9C")
_SHADES = (0.0, 0.08, -0.08, 0.14, -0.14, 0.04, -0.04, 0.2, -0.2, 0.11, -0.11)  # lightness steps, models


@lru_cache(maxsize=1)
def _registered() -> tuple[str, ...]:
    from tokenpulse.sources.registry import all_sources

    return tuple(s.name for s in all_sources())


@lru_cache(maxsize=64)
def agent_colour(source: str) -> str:
    """The registry's order gives each agent its own colour, so a new source needs no change here; a name
    the registry does not know (an old store) hashes onto the colours left over."""
    known = _registered()
    if source in known and known.index(source) < len(AGENT_PALETTE):
        return AGENT_PALETTE[known.index(source)]
    spare = AGENT_PALETTE[len(known):] or AGENT_PALETTE
    return spare[zlib.crc32(source.encode()) % len(spare)]


def model_colours(catalogue: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A colour per model of the store's catalogue ((agent, model) pairs, insights.chart_data.catalogue): a
    shade of the colour of the first agent that used it, the agent's first model in its very colour. The same
    catalogue gives the same colours in every range and view; a new model takes the next shade."""
    out: dict[str, str] = {}
    per_agent: dict[str, int] = {}
    for agent, model in catalogue:
        if model in out:
            continue
        k = per_agent.get(agent, 0)
        per_agent[agent] = k + 1
        out[model] = shade(agent_colour(agent), k)
    return out


# Devices (the all-machines overview): muted colours, far apart from each other and at least 14 CIE76 units from
# every agent's, token type's, the cost's and "other" (a view stacks by device or by agent, never both)
DEVICE_PALETTE = ("#5D7F99", "#BA844E", "#3C7842", "#A24E72", "#A284C6")


def device_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per device, in the order given (this device first); past the palette, shades of it."""
    n = len(DEVICE_PALETTE)
    return {name: _variant(DEVICE_PALETTE[k % n], k // n) for k, name in enumerate(names)}


def _variant(colour: str, k: int) -> str:
    """The colour itself (k = 0), else a lighter or darker one that still reads on light and dark."""
    if k == 0:
        return colour
    h, s_, l_, _a = QColor(colour).getHslF()
    for step in (0.1 * k, -0.1 * k, 0.05 * k, -0.05 * k):
        c = QColor.fromHslF(h, s_, min(0.9, max(0.1, l_ + step))).name().upper()
        if readable(c) and c != colour.upper():
            return c
    return colour


def shade(colour: str, k: int) -> str:
    """The k-th shade of a colour (0: the colour itself), lighter or darker or less saturated, each readable
    on light and dark, apart from the shades before it and clear of the colours that mean something else
    (token types, cost, "other", the other agents)."""
    found = _shades(colour, k + 1)
    return found[k] if k < len(found) else found[-1]


@lru_cache(maxsize=64)
def _shades(colour: str, count: int) -> tuple[str, ...]:
    out = [colour.upper()]
    base = QColor(colour)
    h, s_, l_, _a = base.getHslF()
    others = [c for c in (*TOKENS.values(), COST, OTHER, *AGENT_PALETTE) if c.upper() != colour.upper()]
    candidates = [QColor.fromHslF((h + turn) % 1.0, s_ * sat, min(0.9, max(0.1, l_ + step))).name().upper()
                  for turn in (0.0, 0.03, -0.03) for step in _SHADES[1:] for sat in (1.0, 0.7, 0.45)]
    for c in candidates:
        if len(out) >= count:
            break
        if (c not in out and readable(c) and min(delta_e(c, o) for o in others) >= 20
                and min(delta_e(c, o) for o in out) >= 8):
            out.append(c)
    return tuple(out)


def delta_e(a: str, b: str) -> float:
    """CIE76 difference of two colours: about 2 is just noticeable, 20 and more reads as another colour."""
    return math.dist(_lab(a), _lab(b))


def _lab(colour: str) -> tuple[float, float, float]:
    c = QColor(colour)
    r, g, b = (_linear(v) for v in (c.redF(), c.greenF(), c.blueF()))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def readable(colour: str) -> bool:
    """3:1 against white and against #1e1e1e (WCAG's contrast for graphics)."""
    return min(_contrast(colour, "#FFFFFF"), _contrast(colour, "#1E1E1E")) >= 3.0


def _contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        c = QColor(colour)
        return 0.2126 * _linear(c.redF()) + 0.7152 * _linear(c.greenF()) + 0.0722 * _linear(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def waste_brush(theme: Theme) -> QBrush:
    ink = QColor(theme.foreground)
    ink.setAlpha(170)
    return QBrush(ink, WASTE_PATTERN)


def short_project(path: str) -> str:
    """The last two folders of a working folder: enough to tell projects apart in a column."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    return "/".join(parts[-2:]) if parts else "(unknown folder)"


_DATED = re.compile(r"-(?:20\d{6}|\d{4}-\d{2}-\d{2})$")  # a snapshot date at the end of a model's name


def short_models(names: list[str]) -> str:
    """The models without their snapshot dates (claude-sonnet-4-5-20250929 → claude-sonnet-4-5)."""
    return ", ".join(dict.fromkeys(_DATED.sub("", n) for n in names))


def tokens(n: float) -> str:
    return compact(round(n))


def usd(x: float | None) -> str:
    """Money for the charts, safe in rich text too: "<$0.001" would open an HTML tag and swallow the rest."""
    return money(x).replace("<", "under ")


@dataclass(frozen=True, slots=True)
class Theme:
    """Plot colours taken from the window's palette, so light and dark desktops both read."""

    background: QColor
    foreground: QColor
    muted: QColor
    dark: bool

    @classmethod
    def from_palette(cls, palette: QPalette) -> Theme:
        bg = palette.color(QPalette.ColorRole.Base)
        fg = palette.color(QPalette.ColorRole.Text)
        muted = QColor(fg)
        muted.setAlpha(110)
        return cls(bg, fg, muted, bg.lightness() < 128)

    def style_plot(self, plot: pg.PlotWidget) -> None:
        plot.setBackground(self.background)
        item = plot.getPlotItem()
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(self.muted))
            axis.setTextPen(pg.mkPen(self.foreground))
        item.titleLabel.setAttr("color", self.foreground.name())

    def swatch(self, colour: str, label: str) -> str:
        """Rich text: a coloured square and a label (legends and read-outs); the label is plain text (model and
        device names come from logs and other machines) and is escaped here."""
        return f'<span style="color:{colour}">&#9632;</span>&nbsp;{html.escape(label)}'

    def waste_swatch(self, label: str = "long-chat waste") -> str:
        """Rich text for the hatched waste layer: a hatched square in the text colour."""
        return f'<span style="color:{self.foreground.name()}">&#9640;</span>&nbsp;{html.escape(label)}'
