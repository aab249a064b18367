"""The Limits chart's data (insights.limits_chart) against a store built here: one line per provider window with
its readings held from first to last seen, joined within a window period and broken at a reset (nothing is known
until the next reading), resets inside the range and before now, limit hits, per-model limits left out, and the
output of the same hours, all on the date axis's local x."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import claude_line, make_workspace, write_lines
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.insights.limits_chart import LimitsChart, limits_chart, local_x
from tokenpulse.quota import LimitHit, LimitRecords, LimitSnapshot
from tokenpulse.store import limits as store_limits

H = 3_600_000
BASE = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1000)  # midnight UTC
NOW = BASE + 8 * H
DAY = DayRange(date(2026, 3, 1), date(2026, 3, 1))


def _at(hours: float) -> int:
    return BASE + int(hours * H)


READINGS = [
    # Codex's 5-hour window: 10 % then 40 % in the period ending at 05:00, then 5 % in the next one
    LimitSnapshot("codex", 300, 10.0, _at(1), _at(5), "pro", seen_ms=_at(2)),
    LimitSnapshot("codex", 300, 40.0, _at(3), _at(5) + 20_000, "pro", seen_ms=_at(4)),  # the same reset, jittered
    LimitSnapshot("codex", 300, 5.0, _at(6), _at(10), "pro"),  # its reset is after now: not drawn
    LimitSnapshot("codex", 10080, 20.0, _at(1), _at(24 * 6), "pro", seen_ms=_at(6)),  # the weekly window
    LimitSnapshot("codex", 300, 70.0, _at(2), _at(5), "pro", scope="gpt-5-codex-mini"),  # a per-model limit
    # Claude Code's 5-hour window: one reading, then its reset at 04:00 and nothing since
    LimitSnapshot("claude-code", 300, 50.0, _at(2), _at(4), via="statusline"),
]
HIT = LimitHit("codex", _at(4.5), "usage_limit_exceeded", 300, _at(5))


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[object]:
    claude = tmp_path / "claude"
    write_lines(claude / "projects/p/s.jsonl", [
        claude_line(msg_id="a", req_id="ra", output=100, ts="2026-03-01T01:10:00.000Z"),
        claude_line(msg_id="b", req_id="rb", output=200, ts="2026-03-01T01:40:00.000Z"),
        claude_line(msg_id="c", req_id="rc", output=50, ts="2026-03-01T03:05:00.000Z")])
    workspace = make_workspace(tmp_path, claude=claude)
    workspace.scan()
    store_limits.write_records(workspace.conn, LimitRecords(list(READINGS), [HIT]))
    yield workspace
    workspace.close()


def _chart(ws, zone: str) -> tuple[LimitsChart, ZoneInfo]:  # type: ignore[no-untyped-def]
    tz = ZoneInfo(zone)
    return limits_chart(ws.conn, tz, DAY, NOW), tz


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu"])  # +5:45: x is local wall-clock seconds
def test_one_line_per_window_held_from_first_to_last_seen_and_broken_at_a_reset(ws, zone: str) -> None:  # type: ignore[no-untyped-def]
    c, tz = _chart(ws, zone)
    assert [(line.source, line.window_minutes) for line in c.lines] == [("claude-code", 300), ("codex", 300),
                                                                        ("codex", 10080)]
    claude, codex5, weekly = c.lines
    x = [local_x(_at(h), tz) for h in (1, 2, 3, 4, 4, 6, 6)]
    assert (codex5.x, codex5.y) == (x, [10.0, 10.0, 40.0, 40.0, None, 5.0, 5.0])  # 10 → 40 joined, then a break
    assert [r.used_percent for r in codex5.readings] == [10.0, 40.0, 5.0]
    assert (claude.x, claude.y) == ([local_x(_at(2), tz)] * 2, [50.0, 50.0])  # a lone reading: a dot
    assert (weekly.x, weekly.y) == ([local_x(_at(1), tz), local_x(_at(6), tz)], [20.0, 20.0])
    assert (codex5.label, weekly.label, claude.label) == ("Codex 5h", "Codex 7d", "Claude Code 5h")
    assert all(r.scope == "" for line in c.lines for r in line.readings)  # the per-model limit is left out
    assert c.tz == zone


def test_resets_inside_the_range_and_before_now_once_each(ws) -> None:  # type: ignore[no-untyped-def]
    c, tz = _chart(ws, "UTC")
    # Codex's 05:00 reset, said by two readings 20 s apart, is one reset; its 10:00 one is after now
    assert c.resets == [(local_x(_at(4), tz), "claude-code", 300), (local_x(_at(5), tz), "codex", 300)]
    later = limits_chart(ws.conn, tz, DAY, _at(11))
    assert (local_x(_at(10), tz), "codex", 300) in later.resets


def test_unknown_after_a_reset_until_the_next_reading(ws) -> None:  # type: ignore[no-untyped-def]
    c, tz = _chart(ws, "UTC")
    claude, codex5, _weekly = c.lines
    after = local_x(_at(4.5), tz)  # both 5-hour windows reset by now (or were last seen before)
    assert max(claude.x) < after  # Claude Code's line ends at its reading: nothing drawn after its reset
    i = max(k for k, x in enumerate(codex5.x) if x <= after)
    assert codex5.y[i] is None  # Codex's line is broken here until its 06:00 reading


def test_hits_and_the_output_of_the_same_hours(ws) -> None:  # type: ignore[no-untyped-def]
    c, tz = _chart(ws, "Asia/Kathmandu")
    assert c.hits == [(local_x(_at(4.5), tz), "codex", "usage_limit_exceeded")]
    assert c.hours_x == [local_x(_at(1), tz), local_x(_at(3), tz)] and c.hours_output == [300, 50]


def test_the_table_lists_every_reading_and_hit_in_local_time(ws) -> None:  # type: ignore[no-untyped-def]
    c, _tz = _chart(ws, "Asia/Kathmandu")
    head, rows = c.table()
    assert head[0] == "what" and len(rows) == 5 + 1
    codex = [r for r in rows if r[0] == "reading" and r[1] == "codex" and r[2] == "5h"]
    assert [r[5] for r in codex] == [10.0, 40.0, 5.0]
    assert codex[0][3:5] == ["2026-03-01 06:45", "2026-03-01 07:45"]  # 01:00 and 02:00 UTC, local
    assert rows[-1][0] == "limit hit" and rows[-1][7] == "usage_limit_exceeded"


def test_no_readings_in_the_range_is_an_empty_chart(ws) -> None:  # type: ignore[no-untyped-def]
    c = limits_chart(ws.conn, ZoneInfo("UTC"), DayRange(date(2026, 2, 1), date(2026, 2, 2)), NOW)
    assert (c.lines, c.resets, c.hits, c.hours_x) == ([], [], [], [])
