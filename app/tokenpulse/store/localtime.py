"""Local calendar days in SQL: a CASE over the time zone's UTC offsets, exact across DST changes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

_HOUR_MS = 3_600_000
_DAY_MS = 86_400_000


def _offset_ms(tz: ZoneInfo, ts_ms: int) -> int:
    off = datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).astimezone(tz).utcoffset()
    return int(off.total_seconds() * 1000) if off else 0


def offset_spans(tz: ZoneInfo, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
    """[(start_ms, offset_ms)…] covering lo..hi: each offset holds from its start to the next start.

    Sampled a day apart, then narrowed to the hour and the minute where the offset changed: one stray
    timestamp decades from the others must not cost an hourly walk over those decades on every scan (zones
    change their offset at most a few times a year, never twice in a day).
    """
    return list(_spans(tz, lo_ms - lo_ms % _HOUR_MS, hi_ms - hi_ms % _HOUR_MS + _HOUR_MS, lo_ms))


@lru_cache(maxsize=64)
def _spans(tz: ZoneInfo, lo_h: int, hi_h: int, lo_ms: int) -> tuple[tuple[int, int], ...]:
    spans = [(lo_ms, _offset_ms(tz, lo_ms))]
    t = lo_h
    while t <= hi_h:
        nxt = min(t + _DAY_MS, hi_h + _HOUR_MS)
        if _offset_ms(tz, nxt) != spans[-1][1]:
            a = t
            while _offset_ms(tz, a + _HOUR_MS) == spans[-1][1]:  # the hour of the change
                a += _HOUR_MS
            b = a + _HOUR_MS
            off = _offset_ms(tz, b)
            while b - a > 60_000:  # the minute of the change
                mid = (a + b) // 2
                if _offset_ms(tz, mid) == spans[-1][1]:
                    a = mid
                else:
                    b = mid
            b -= b % 60_000
            spans.append((b, off))
            t = b
            continue
        t = nxt
    return tuple(spans)


def local_ms_sql(column: str, tz: ZoneInfo, lo_ms: int, hi_ms: int) -> str:
    """An SQL expression for `column` (UTC epoch ms) shifted to local wall-clock ms in `tz`."""
    spans = offset_spans(tz, lo_ms, hi_ms)
    if len(spans) == 1:
        return f"({column} + {spans[0][1]})"
    cases = " ".join(f"WHEN {column} < {spans[i + 1][0]} THEN {spans[i][1]}" for i in range(len(spans) - 1))
    return f"({column} + CASE {cases} ELSE {spans[-1][1]} END)"


def local_day_sql(column: str, tz: ZoneInfo, lo_ms: int, hi_ms: int) -> str:
    return f"date({local_ms_sql(column, tz, lo_ms, hi_ms)} / 1000, 'unixepoch')"


def day_start_ms(day: str, tz: ZoneInfo) -> int:
    """UTC epoch ms of local midnight starting `day` (YYYY-MM-DD) in `tz`."""
    local = datetime.fromisoformat(day).replace(tzinfo=tz)
    return int(local.timestamp() * 1000)


def next_day(day: str) -> str:
    return (datetime.fromisoformat(day) + timedelta(days=1)).strftime("%Y-%m-%d")
