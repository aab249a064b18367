"""The summary's "Plan limits" block (issue 11): per provider, its 5-hour and weekly windows as bars with the
provider's own percentage, a tick where the window's time stands (the pace), the reset countdown and the age.

Fed Snapshots only. While shown, it re-words its countdowns every half minute from the snapshot's time plus the
monotonic time since it arrived (no wall clock here, and no store).
"""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from tokenpulse.gui.text_fit import wrap_to_width
from tokenpulse.insights.plan_limits import WindowStatus
from tokenpulse.presenters import limits_text
from tokenpulse.snapshot import Snapshot

WARN, URGENT = 80.0, 95.0  # bar colours; the reminders have their own settings
COLOURS = {"ok": "#26a69a", "warn": "#ffb300", "urgent": "#e53935", "unknown": "#9e9e9e"}
REWORD_MS = 30_000
_monotonic = time.monotonic  # a module global: tests hold it still
EMPTY_HINT = ("No plan-limit readings yet. Codex writes them in its logs; for Claude Code, add tokenpulse to"
              " its status line (tray menu).")


def _level(w: WindowStatus, now_ms: int) -> str:
    if not w.current(now_ms):
        return "unknown"
    return "urgent" if w.used_percent >= URGENT else "warn" if w.used_percent >= WARN else "ok"


class LimitBar(QWidget):
    """A window's used share as a bar (capped at the full width), with a tick at the share of its time gone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.used: float | None = None  # None: unknown since its reset
        self.elapsed: float | None = None
        self.level = "unknown"
        self.setMinimumHeight(10)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(200, 10)

    def set_reading(self, used: float | None, elapsed: float | None, level: str) -> None:
        self.used, self.elapsed, self.level = used, elapsed, level
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(0.5, 1.5, self.width() - 1.0, self.height() - 3.0)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(128, 128, 128, 60))
        p.drawRoundedRect(r, 3, 3)
        if self.used is not None:
            p.setBrush(QColor(COLOURS[self.level]))
            p.drawRoundedRect(QRectF(r.left(), r.top(), max(3.0, r.width() * min(self.used, 100.0) / 100), r.height()),
                              3, 3)
        if self.elapsed is not None:
            x = r.left() + r.width() * self.elapsed
            p.setPen(self.palette().windowText().color())
            p.drawLine(round(x), 0, round(x), self.height())
        p.end()


class LimitsBlock(QFrame):
    """Call `update_snapshot(snap)`; hidden rows are reused, so repeated updates build no widgets."""

    def __init__(self, text_px: int = 320, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="limits")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._text_px = text_px
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(3)
        title = QLabel("Plan limits", objectName="limits_title")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        lay.addWidget(title)
        self.hint = QLabel(objectName="limits_hint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setText(wrap_to_width(EMPTY_HINT, self.hint.font(), text_px))  # wrapped here, as the popup does
        lay.addWidget(self.hint)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(1)
        self.grid.setColumnStretch(1, 1)
        lay.addLayout(self.grid)
        self.rows: list[tuple[QLabel, QLabel, LimitBar, QLabel]] = []  # (provider, window, bar, words)
        self._snap: Snapshot | None = None
        self._arrived = 0.0
        self._timer = QTimer(self, interval=REWORD_MS)
        self._timer.timeout.connect(self._reword)

    def now_ms(self) -> int:
        """The snapshot's time, moved on by the monotonic time since it arrived."""
        if self._snap is None:
            return 0
        return self._snap.now_ms + int((_monotonic() - self._arrived) * 1000)

    def update_snapshot(self, snap: Snapshot) -> None:
        self._snap = snap
        self._arrived = _monotonic()
        self._reword()

    def _row(self, i: int) -> tuple[QLabel, QLabel, LimitBar, QLabel]:
        while len(self.rows) <= i:
            n = len(self.rows)
            provider = QLabel(objectName=f"limits_provider_{n}")
            provider.setTextFormat(Qt.TextFormat.PlainText)
            window = QLabel(objectName=f"limits_window_{n}")
            bar = LimitBar()
            bar.setObjectName(f"limits_bar_{n}")
            words = QLabel(objectName=f"limits_words_{n}")
            words.setTextFormat(Qt.TextFormat.PlainText)
            self.grid.addWidget(provider, 3 * n, 0, 1, 2)
            self.grid.addWidget(window, 3 * n + 1, 0)
            self.grid.addWidget(bar, 3 * n + 1, 1)
            self.grid.addWidget(words, 3 * n + 2, 0, 1, 2)
            self.rows.append((provider, window, bar, words))
        return self.rows[i]

    def _reword(self) -> None:
        snap = self._snap
        shown = [] if snap is None else [w for w in snap.limits if not w.scope]
        now = self.now_ms()
        tz = ZoneInfo(snap.tz) if snap is not None else ZoneInfo("UTC")
        self.hint.setVisible(not shown)
        last_label = None
        for i, w in enumerate(shown):
            provider, window, bar, words = self._row(i)
            plan = f" · plan {w.plan}" if w.plan else ""
            provider.setText(f"{w.label}{plan}")
            provider.setVisible(w.label != last_label)  # one heading per provider
            last_label = w.label
            window.setText(limits_text.short_window(w))
            current = w.current(now)
            bar.set_reading(w.used_percent if current else None, w.elapsed_share(now) if current else None,
                            _level(w, now))
            said = limits_text.reading(w, now, tz)
            words.setText(wrap_to_width(said.split(": ", 1)[1] if ": " in said else said, words.font(),
                                        self._text_px))
            pace = limits_text.pace(w, now)
            tip = f"{w.label}, {limits_text.window_words(w)}: {said}" + (f"\n{pace}" if pace else "")
            for widget in (window, bar, words):
                widget.setToolTip(tip)
            for widget in (window, bar, words):
                widget.setVisible(True)
        for provider, window, bar, words in self.rows[len(shown):]:
            for widget in (provider, window, bar, words):
                widget.setVisible(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()
        self._reword()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)
