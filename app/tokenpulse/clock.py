"""Injected time: the core asks a Clock for "now" so tests can drive it deterministically; and which zone
local days are counted in."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A call stamped up to this far after now still counts as now (clocks differ a little). Further ahead it is
# counted (it is a real call) but nothing live is derived from it: a line stamped 2040 must not become the
# live chat for years.
SKEW_MS = 2 * 60_000


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


def zone(name: str | None) -> ZoneInfo:
    """The settings' zone, else the system's (TZ, /etc/localtime), else UTC."""
    candidates = [name, (os.environ.get("TZ") or "").lstrip(":") or None]
    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1])
    for key in candidates:
        if key:
            try:
                return ZoneInfo(key)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


# Weeks start on Monday (ISO 8601) unless asked otherwise; day numbers as Python's: Monday 0 … Sunday 6.
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_number(name: str) -> int:
    """0 for "monday" (or "mon", any case) … 6 for "sunday"; ValueError for anything else."""
    key = name.strip().lower()
    for number, full in enumerate(WEEKDAY_NAMES):
        if key == full or (len(key) >= 3 and full.startswith(key)):
            return number
    raise ValueError(f"{name!r} is not a day of the week (monday … sunday)")
