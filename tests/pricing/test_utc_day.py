"""`utc_day` remembers each day's text: the same day as the calendar says, for any time, midnight's edges and
times before 1970 included (a price holds per UTC day, so a wrong day is a wrong price)."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from tokenpulse.pricing.pricer import utc_day

EDGES = [0, -1, 1, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 1_767_225_599_999, 1_767_225_600_000]


def _calendar(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms // 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def test_midnight_edges() -> None:
    assert [utc_day(t) for t in EDGES] == [_calendar(t) for t in EDGES]
    assert utc_day(1_767_225_599_999) == "2025-12-31" and utc_day(1_767_225_600_000) == "2026-01-01"


@given(st.integers(min_value=-(10**12), max_value=10**13))
def test_any_time(ts_ms: int) -> None:
    assert utc_day(ts_ms) == _calendar(ts_ms)
    assert utc_day(ts_ms) == _calendar(ts_ms)  # asked again: the remembered text
