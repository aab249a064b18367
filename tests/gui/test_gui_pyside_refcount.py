"""Guards the PySide6 pin: thousands of Qt calls must leave the refcounts of None, True and False alone.

PySide6-Essentials 6.12.0 on CPython 3.11 drops a reference to None on every void Qt call (and to
True/False on bool signal arguments) and aborts the interpreter ("none_dealloc") after a few thousand
calls — minutes into a tray session. pyproject.toml pins PySide6 below 6.12 for that reason.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    sig_flag_changed = Signal(bool)


def test_void_calls_and_bool_signals_do_not_leak_references(qapp) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    emitter = _Emitter()
    emitter.sig_flag_changed.connect(lambda flag: None)
    label.setText("warm-up")
    emitter.sig_flag_changed.emit(True)
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for i in range(2_000):  # fewer than the ~5,000 that would abort a broken build mid-test
        label.setText("x")
        emitter.sig_flag_changed.emit(i % 2 == 0)
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    # a broken binding loses ~2,000; a sound one stays within the noise of the test's own objects
    assert all(abs(a - b) < 200 for a, b in zip(after, before)), (before, after)
