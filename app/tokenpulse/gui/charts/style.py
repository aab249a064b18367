"""Colours and formats shared by every chart: one colour per agent, per token type, per model; numbers and
names shortened for people."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

from tokenpulse.presenters.numbers import compact, money

TOKENS = {"output": "#43A047", "input": "#1E88E5", "cache_write": "#A855F7", "cache_read": "#D97706"}
TOKEN_LABELS = {"output": "Output", "input": "Input", "cache_write": "Cache write", "cache_read": "Cache read"}
STACK_ORDER = ("output", "input", "cache_write", "cache_read")  # the work at the bottom, re-reading on top
COST = "#E5396E"
OTHER = "#8C8C8C"
# Every colour here keeps a 3:1 contrast against both a white and a near-black (#1e1e1e) plot background
# (tests/charts/test_style.py checks it), so light and dark desktops both read. None is close to COST or
# OTHER, which are drawn next to the agents and the models.
AGENT_PALETTE = ("#D97757", "#10A37F", "#5B8DEF", "#9B59B6", "#B8860B", "#7B8B3A", "#8D6E63", "#6D8FB3",
                 "#DF2020", "#F95B06", "#3A962C", "#2C7A96", "#1D9ECD", "#067FF9", "#A732E2", "#CD1DB6",
                 "#F90684", "#8E6BBF", "#2E9E8F", "#C0568A")  # the last ones for agents no longer registered
MODEL_PALETTE = ("#4E79A7", "#DA7A1E", "#59A14F", "#B07AA1", "#9C755F", "#00897B", "#B8860B", "#A855F7",
                 "#7B8B3A")


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


def model_colours(models: list[str]) -> dict[str, str]:
    """A colour per model, distinct within the list while the palette lasts.

    A model's name picks its hue, so it keeps it across views, ranges and runs; when two names pick the
    same hue, the one sorting first keeps it and the other takes the next free one.
    """
    taken: dict[int, str] = {}
    out: dict[str, str] = {}
    for model in sorted(set(models)):
        slot = zlib.crc32(model.encode()) % len(MODEL_PALETTE)
        for step in range(len(MODEL_PALETTE)):
            if (slot + step) % len(MODEL_PALETTE) not in taken:
                slot = (slot + step) % len(MODEL_PALETTE)
                break
        taken[slot] = model
        out[model] = MODEL_PALETTE[slot]
    return out


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
    return money(x)


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
        """Rich text: a coloured square and a label (legends and read-outs)."""
        return f'<span style="color:{colour}">&#9632;</span>&nbsp;{label}'
