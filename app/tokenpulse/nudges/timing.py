"""When reminders may show: quiet hours (which may wrap past midnight), snooze and the start-up grace period."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def parse_hhmm(text: str) -> time:
    """"22:00" → 22:00; a malformed value raises ValueError naming it."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"not a time of day (HH:MM): {text!r}") from exc


def in_quiet_hours(now_ms: int, tz: ZoneInfo, start: str | None, end: str | None) -> bool:
    """start ≤ now < end in local time; when start > end the quiet span wraps past midnight."""
    if not start or not end:
        return False
    lo, hi = parse_hhmm(start), parse_hhmm(end)
    if lo == hi:
        return False  # an empty span, not the whole day
    now = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).astimezone(tz).time()
    if lo < hi:
        return lo <= now < hi
    return now >= lo or now < hi


def in_grace(now_ms: int, started_ms: int, grace_ms: int) -> bool:
    return now_ms < started_ms + grace_ms


def quiet_end_ms(now_ms: int, tz: ZoneInfo, start: str | None, end: str | None) -> int | None:
    """When the quiet hours now in force end (UTC ms), or None when they are not in force."""
    if not in_quiet_hours(now_ms, tz, start, end) or not end:
        return None
    hi = parse_hhmm(end)
    now = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).astimezone(tz)
    for days in (0, 1):
        day = now.date() + timedelta(days=days)
        moment = datetime(day.year, day.month, day.day, hi.hour, hi.minute, tzinfo=tz)
        if moment.timestamp() * 1000 > now_ms:
            return int(moment.timestamp() * 1000)
    return None
