"""Exports: a view's plot as PNG (pyqtgraph's ImageExporter renders it here) and its data as CSV; the files
are written by the caller's worker, never on the GUI thread."""

from __future__ import annotations

import csv
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGraphicsItem

PNG_WIDTH = 1600
_TITLE_PT = "10pt"


def render_png(item: QGraphicsItem, background: QColor, title: str = "", legend: str = "",
               width: int = PNG_WIDTH) -> QImage:
    """The item drawn at `width` pixels (the scene's other items in its rectangle, e.g. a twin axis, too).

    An image travels without the window around it, so a PlotItem gets `title` and, on a line of its own,
    `legend` (rich text) drawn above the plot while it is rendered; the window's plot is left as it was.
    """
    text = "<br>".join(t for t in (title, legend) if t)
    titled = isinstance(item, pg.PlotItem) and bool(text)
    if titled:
        item.setTitle(text, size=_TITLE_PT)
        height = item.titleLabel.item.boundingRect().height() + 6  # setTitle allows one line only
        item.titleLabel.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)
        item.layout.activate()
    try:
        return _render(item, background, width)
    finally:
        if titled:
            item.setTitle(None)
            item.layout.activate()


def _render(item: QGraphicsItem, background: QColor, width: int) -> QImage:
    exporter = pyqtgraph.exporters.ImageExporter(item)
    exporter.parameters()["width"] = width
    exporter.parameters()["background"] = background
    image = exporter.export(toBytes=True)
    assert isinstance(image, QImage)
    return image


def save_png(image: QImage, path: Path) -> Path:
    """Worker side."""
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def write_csv(path: Path, head: list[str], rows: list[list[object]]) -> Path:
    """Worker side. Unknown values (None) are written as empty cells."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(head)
        out.writerows([["" if v is None else v for v in row] for row in rows])
    return path
