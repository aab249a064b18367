"""Progress of a long scan as the tray shows it: throttled "importing N of M files" updates, a fresh picture
now and then while the numbers grow, and the way to abandon the scan between two files."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Interrupted(Exception):
    """Raised from the scan's progress callback to stop it between two files (each is committed)."""


class ImportReporter:
    """The progress callback of a scan (`done`, `total`, path). `show` gets at most one update per
    `progress_every_s` (and the last one); None: the scan is not announced (the periodic rescan). `publish`
    runs at most once per `snapshot_every_s`. Raises Interrupted once `interrupt` is set."""

    def __init__(self, interrupt: threading.Event, progress_every_s: float, snapshot_every_s: float,
                 show: Callable[[int, int], None] | None, publish: Callable[[], None]) -> None:
        self._interrupt = interrupt
        self._progress_every_s, self._snapshot_every_s = progress_every_s, snapshot_every_s
        self._show, self._publish = show, publish
        self._last_progress = self._last_snapshot = 0.0

    def __call__(self, done: int, total: int, _path: str) -> None:
        if self._interrupt.is_set():
            raise Interrupted
        if self._show is None:
            return
        now = time.monotonic()
        if done == total or now - self._last_progress >= self._progress_every_s:
            self._last_progress = now
            self._show(done, total)
        if now - self._last_snapshot >= self._snapshot_every_s:
            self._last_snapshot = now
            self._publish()
