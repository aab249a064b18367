"""Injected time: the core asks a Clock for "now" so tests can drive it deterministically."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch, UTC."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | int = 0) -> None:
        if isinstance(start, datetime):
            start = int(start.astimezone(timezone.utc).timestamp() * 1000)
        self._now = int(start)

    def now_ms(self) -> int:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += int(seconds * 1000)

    def set(self, when: datetime) -> None:
        self._now = int(when.astimezone(timezone.utc).timestamp() * 1000)
