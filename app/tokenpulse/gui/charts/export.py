"""Exports: a view's plot as PNG (pyqtgraph's ImageExporter renders it here) and its data as CSV; the files
are written by the caller's worker, never on the GUI thread."""

from __future__ import annotations

import csv
from pathlib import Path

import pyqtgraph.exporters
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGraphicsItem

PNG_WIDTH = 1600


def render_png(item: QGraphicsItem, background: QColor, width: int = PNG_WIDTH) -> QImage:
    """The item drawn at `width` pixels (the scene's other items in its rectangle, e.g. a twin axis, too)."""
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
