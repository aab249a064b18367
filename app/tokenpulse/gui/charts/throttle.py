"""Coalescing rapid requests: the first call runs at once, the rest within the delay become one call."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot


class Throttle(QObject):
    def __init__(self, func: Callable[[], None], delay_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._func = func
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def __call__(self) -> None:
        if self._timer.isActive():
            self._pending = True
            return
        self._func()
        self._timer.start()

    @property
    def pending(self) -> bool:
        return self._pending

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._pending:
            self._pending = False
            self._func()
            self._timer.start()
