"""A one-line scan progress bar on an interactive terminal (silent when output is piped)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, min_interval: float = 0.1, *, label: str = "Scanning",
                 unit: str = "files") -> None:
        stream = sys.stderr if stream is None else stream  # the current stderr, not the one at import
        self.label, self.unit = label, unit
        self.stream = stream
        self.enabled = stream.isatty()
        self._last = 0.0
        self._min_interval = min_interval
        self._drawn = False

    def __call__(self, done: int, total: int, path: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < self._min_interval:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(f"\r{self.label} [{'█' * filled}{' ' * (width - filled)}] {done:,}/{total:,} {self.unit}")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
