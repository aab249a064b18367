"""Snooze choices for reminders (30 min, 1 hour, until tomorrow) and when each one ends."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tokenpulse.snapshot import next_midnight_ms

# (id, menu label); ids are what the tray hands back
CHOICES = (("30m", "For 30 minutes"), ("1h", "For 1 hour"), ("tomorrow", "Until tomorrow"))
_MINUTES = {"30m": 30, "1h": 60}


def snooze_until(choice: str, now_ms: int, tz: ZoneInfo) -> int:
    """UTC ms when a snooze chosen now ends; "tomorrow" ends at the next local midnight."""
    if choice == "tomorrow":
        return next_midnight_ms(now_ms, tz)
    try:
        return now_ms + _MINUTES[choice] * 60_000
    except KeyError:
        raise ValueError(f"unknown snooze choice {choice!r}") from None
