"""Colours and number formats shared by every chart: one colour per agent, per token type, per model."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

from tokenpulse.presenters.numbers import compact, money

AGENTS = {"claude-code": "#D97757", "codex": "#10A37F"}
TOKENS = {"output": "#43A047", "input": "#1E88E5", "cache_write": "#8E24AA", "cache_read": "#F59E0B"}
TOKEN_LABELS = {"output": "Output", "input": "Input", "cache_write": "Cache write", "cache_read": "Cache read"}
STACK_ORDER = ("output", "input", "cache_write", "cache_read")  # the work at the bottom, re-reading on top
COST = "#E5396E"
OTHER = "#9E9E9E"
# Okabe-Ito and Tableau hues that read on light and on dark backgrounds
_MODEL_PALETTE = ("#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#FF9DA7",
                  "#9C755F", "#56B4E9", "#009E73", "#CC79A7")


def agent_colour(source: str) -> str:
    return AGENTS.get(source, _MODEL_PALETTE[zlib.crc32(source.encode()) % len(_MODEL_PALETTE)])


def model_colour(model: str) -> str:
    """Stable across views and runs: the model's name picks the hue."""
    return _MODEL_PALETTE[zlib.crc32(model.encode()) % len(_MODEL_PALETTE)]


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
