"""What the charts' Limits view shows (issue 11), Qt-free: each plan window's used % over time as the provider
reported it, its resets, the limit hits, and the output tokens of the same hours.

Times are x values the charts' date axis reads: local wall-clock seconds since 1970 (a local day starts at a
multiple of 86,400). A reading holds from when it was first seen to when it was last repeated; readings of one
window period are joined (use only grows within it), and the line breaks at a reset, where nothing is known
until the next reading.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tokenpulse.insights.chart_data import DayRange, local_time
from tokenpulse.insights.plan_limits import SOURCE_LABELS
from tokenpulse.quota import RESET_JITTER_MS, LimitSnapshot, window_name
from tokenpulse.store import limits as store_limits

_HOUR_MS = 3_600_000


def local_x(ms: int, tz: ZoneInfo) -> float:
    """UTC epoch ms as the date axis's x: local wall-clock seconds since 1970."""
    off = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz).utcoffset()
    return ms / 1000 + (off.total_seconds() if off else 0.0)


@dataclass(slots=True)
class WindowLine:
    """One provider's window: x/y points (y None breaks the line) and the readings they come from."""

    source: str
    window_minutes: int
    x: list[float] = field(default_factory=list)
    y: list[float | None] = field(default_factory=list)
    readings: list[LimitSnapshot] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{SOURCE_LABELS.get(self.source, self.source)} {window_name(self.window_minutes)}"


@dataclass(slots=True)
class LimitsChart:
    lines: list[WindowLine]
    resets: list[tuple[float, str, int]]  # (x, source, window_minutes) of resets inside the range
    hits: list[tuple[float, str, str]]  # (x, source, kind)
    hours_x: list[float]  # the start of each UTC hour with output, as x
    hours_output: list[int]
    tz: str = "UTC"

    def table(self) -> tuple[list[str], list[list[object]]]:
        """Every reading and hit, in local time (the CSV export)."""
        tz = ZoneInfo(self.tz)
        rows: list[list[object]] = []
        for line in self.lines:
            for r in line.readings:
                rows.append(["reading", line.source, window_name(line.window_minutes), local_time(r.observed_ms, tz),
                             local_time(r.seen_ms, tz), r.used_percent,
                             None if r.resets_ms is None else local_time(r.resets_ms, tz), r.plan])
        for x, source, kind in self.hits:
            at = datetime.fromtimestamp(x, tz=UTC).strftime("%Y-%m-%d %H:%M")
            rows.append(["limit hit", source, "", at, at, None, None, kind])
        return (["what", "source", "window", "first seen", "last seen", "used_percent", "resets", "plan / kind"],
                rows)


def _same_period(a: LimitSnapshot, b: LimitSnapshot) -> bool:
    if a.resets_ms is None or b.resets_ms is None:
        return a.resets_ms == b.resets_ms and b.observed_ms - a.seen_ms < a.window_minutes * 60_000
    return abs(a.resets_ms - b.resets_ms) <= RESET_JITTER_MS


def limits_chart(conn: sqlite3.Connection, tz: ZoneInfo, rng: DayRange, now_ms: int) -> LimitsChart:
    lo, hi = rng.window_ms(tz)
    lines: dict[tuple[str, int], WindowLine] = {}
    resets: dict[tuple[str, int, int], float] = {}
    for r in store_limits.history(conn, lo, hi):
        if r.scope:
            continue  # per-model limits: in `tokenpulse limits`, not on this chart
        line = lines.setdefault((r.source, r.window_minutes), WindowLine(r.source, r.window_minutes))
        if line.readings and not _same_period(line.readings[-1], r):
            line.x.append(line.x[-1])
            line.y.append(None)  # a reset between: the line breaks
        line.readings.append(r)
        for ms in (max(r.observed_ms, lo), min(r.seen_ms, hi - 1)):
            line.x.append(local_x(ms, tz))
            line.y.append(r.used_percent)
        if r.resets_ms is not None and lo <= r.resets_ms < min(hi, now_ms + 1):
            resets.setdefault((r.source, r.window_minutes, r.resets_ms // RESET_JITTER_MS),
                              local_x(r.resets_ms, tz))
    hits = [(local_x(h.ts_ms, tz), h.source, h.kind) for h in store_limits.hits(conn, lo, hi)]
    hours = conn.execute(f"SELECT bucket_ms / {_HOUR_MS} * {_HOUR_MS} AS h, sum(output) FROM usage_rollup"
                         " WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY h ORDER BY h", (lo, hi)).fetchall()
    return LimitsChart(sorted(lines.values(), key=lambda w: (w.source, w.window_minutes)),
                       sorted((x, s, m) for (s, m, _), x in resets.items()), hits,
                       [local_x(int(h), tz) for h, _ in hours], [int(o or 0) for _, o in hours], tz.key)
