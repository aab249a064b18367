"""The settings dialog's building blocks: form fields of one width whose "off" looks off, and a job that runs
on a worker thread and hands its result back to the GUI thread."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QTime, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QFormLayout, QSpinBox, QTimeEdit, QWidget

FIELD_WIDTH = 190  # every field of a form the same width, labels right-aligned beside them


class Poster(QObject):
    """Carries a worker thread's result back to the GUI thread (a queued signal)."""

    sig_done = Signal(object, object)  # (callback, result)


class Job(QRunnable):
    def __init__(self, poster: Poster, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        super().__init__()
        self._poster, self._work, self._done = poster, work, done

    def run(self) -> None:
        try:
            result = self._work()
        except (OSError, sqlite3.Error) as exc:  # an unreadable store or folder: said, never a crash
            result = exc
        with contextlib.suppress(RuntimeError):  # the dialog closed meanwhile
            self._poster.sig_done.emit(self._done, result)



def form_layout(page: QWidget) -> QFormLayout:
    """Labels right-aligned against fields of one width, as every form of the dialog."""
    form = QFormLayout(page)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    return form


def fixed_field(box: QAbstractSpinBox) -> QAbstractSpinBox:
    box.setFixedWidth(FIELD_WIDTH)
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # numbers line up
    return box


def spin_field(value: int, lo: int, hi: int, step: int, suffix: str, name: str) -> QSpinBox:
    box = QSpinBox(objectName=name, minimum=lo, maximum=hi, singleStep=step, suffix=suffix)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    fixed_field(box)
    return box


def money_field(value: float | None, name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox(objectName=f"budget_{name}", minimum=0.0, maximum=1_000_000.0, decimals=2, prefix="$")
    box.setValue(value or 0.0)
    box.setSpecialValueText("none")
    fixed_field(box)
    greyed_when_none(box)
    return box


def time_field(value: str, name: str) -> QTimeEdit:
    edit = QTimeEdit(QTime.fromString(value, "HH:mm"), objectName=name)
    edit.setDisplayFormat("HH:mm")
    fixed_field(edit)
    return edit


def greyed_when_none(box: QSpinBox | QDoubleSpinBox) -> None:
    """A field at its "none" value is drawn in the placeholder's grey: it reads as off, not as a value."""
    normal = box.palette().color(QPalette.ColorRole.Text)

    def paint(value: float) -> None:
        palette = box.palette()
        off = value == box.minimum()
        palette.setColor(QPalette.ColorRole.Text,
                         palette.color(QPalette.ColorRole.PlaceholderText) if off else normal)
        box.setPalette(palette)
        box.setProperty("off", off)
    box.valueChanged.connect(paint)
    paint(box.value())
