"""Who writes the store: one scanner at a time across processes (an advisory `flock`, which the kernel drops
when its process ends). Whether the tray app runs is `platform.app_lock`'s to say."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tokenpulse.platform.flock import lock_within


class ScanLock:
    """`acquire(wait)` returns False when another process holds the lock past `wait` seconds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not lock_within(fd, wait):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ScanLock:
        self.acquire(wait=float("inf"))
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
