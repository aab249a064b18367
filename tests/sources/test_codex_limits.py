"""Codex plan limits (issue 11 §1): rate-limit snapshots by window length, never by slot; `resets_at` and the
older `resets_in_seconds`; null limits; limit-only events; limit hits; re-emits collapsed; numbers only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from helpers import codex_file, codex_meta, codex_turn, copy_file, make_workspace, samples, totals, usage, write_lines

MS = 1000
T0 = "2026-03-01T10:00:00.000Z"
T0_MS = 1_772_359_200_000  # 2026-03-01T10:00:00Z


def _ts(seconds: int) -> str:
    return f"2026-03-01T10:{seconds // 60:02d}:{seconds % 60:02d}.000Z"


def tc(seconds: int, *, limits: Any, info: Any = ..., n: int = 1) -> str:
    """A token_count event at T0 + seconds with `rate_limits` as given (and a growing usage unless info=None)."""
    if info is ...:
        u = usage(1000 * n, 400 * n, 50 * n)
        info = {"total_token_usage": u, "last_token_usage": usage(1000, 400, 50), "model_context_window": 258400}
    return json.dumps({"timestamp": _ts(seconds), "type": "event_msg",
                       "payload": {"type": "token_count", "info": info, "rate_limits": limits}})


def window(used: float, minutes: int, *, resets_at: int | None = None, resets_in: int | None = None) -> dict:  # type: ignore[type-arg]
    w: dict[str, Any] = {"used_percent": used, "window_minutes": minutes}
    if resets_at is not None:
        w["resets_at"] = resets_at
    if resets_in is not None:
        w["resets_in_seconds"] = resets_in
    return w


def scan(tmp_path: Path, lines: list[str]) -> tuple[list[tuple], list[tuple], list[tuple], dict[str, int]]:  # type: ignore[type-arg]
    codex = tmp_path / "codex"
    write_lines(codex_file(codex), [codex_meta(T0, "0199aaaa-0000-7000-8000-000000000001"),
                                    codex_turn(T0, model="gpt-5.2-codex"), *lines])
    ws = make_workspace(tmp_path, codex=codex)
    try:
        ws.scan()
        return _tables(ws.conn) + (totals(ws.conn),)  # type: ignore[return-value]
    finally:
        ws.close()


def _tables(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple], list[tuple]]:  # type: ignore[type-arg]
    snaps = conn.execute("SELECT source, scope, window_minutes, observed_ms, seen_ms, used_percent, resets_ms, plan,"
                         " via FROM limit_snapshot ORDER BY window_minutes, observed_ms").fetchall()
    hits = conn.execute("SELECT source, ts_ms, kind, window_minutes, resets_ms, session_key FROM limit_hit"
                        " ORDER BY ts_ms").fetchall()
    windows = conn.execute("SELECT source, session_key, model, tokens, seen_ms FROM context_window").fetchall()
    return snaps, hits, windows


def test_the_shared_sample_gives_its_two_windows_and_ignores_invented_events(tmp_path: Path) -> None:
    codex = tmp_path / "codex"
    copy_file(samples("codex") / "agent-sessions__codex_053_rate_limit.jsonl",
              codex / "sessions/2025/10/31/rollout-2025-10-31T17-00-00-test.jsonl")
    ws = make_workspace(tmp_path, codex=codex)
    try:
        ws.scan()
        snaps, hits, windows = _tables(ws.conn)
        t = totals(ws.conn)
    finally:
        ws.close()
    t5, t10 = 1_761_930_005_000, 1_761_930_010_000  # 17:00:05 and 17:00:10 UTC
    assert snaps == [
        ("codex", "", 300, t5, t5, 0.0, 1_761_950_218_000, None, "log"),
        ("codex", "", 300, t10, t10, 1.0, 1_761_950_223_000, None, "log"),  # the limit-only event (info: null)
        ("codex", "", 10080, t5, t10, 7.0, 1_762_458_353_000, None, "log"),  # repeated at 17:00:10: one row
    ]
    assert hits == []  # `error {kind: rate_limit}` and `account/rateLimits/updated` are not Codex's events
    assert windows == [("codex", "test-ratelimit-session", None, 258_400, t5)]
    assert t["calls"] == 1 and t["output"] == 182  # the calls are counted as before


def test_weekly_only_plan_puts_the_week_in_primary_and_stays_weekly(tmp_path: Path) -> None:
    snaps, _, _, _ = scan(tmp_path, [tc(5, limits={"primary": window(42.0, 10080, resets_at=1_772_900_000),
                                                   "secondary": None, "plan_type": "plus"})])
    assert [(s[2], s[5], s[6], s[7]) for s in snaps] == [(10080, 42.0, 1_772_900_000_000, "plus")]


def test_both_slot_layouts_are_classified_by_length(tmp_path: Path) -> None:
    lines = [tc(5, limits={"primary": window(10.0, 300, resets_at=1_772_370_000),
                           "secondary": window(20.0, 10080, resets_at=1_772_800_000)}, n=1),
             tc(9, limits={"primary": window(21.0, 10080, resets_at=1_772_800_000),  # slots swapped
                           "secondary": window(11.0, 300, resets_at=1_772_370_000)}, n=2)]
    snaps, _, _, _ = scan(tmp_path, lines)
    assert [(s[2], s[3], s[5]) for s in snaps] == [(300, T0_MS + 5 * MS, 10.0), (300, T0_MS + 9 * MS, 11.0),
                                                   (10080, T0_MS + 5 * MS, 20.0), (10080, T0_MS + 9 * MS, 21.0)]


def test_resets_in_seconds_counts_from_the_events_time_and_jitter_is_one_reading(tmp_path: Path) -> None:
    lines = [tc(5, limits={"primary": window(30.0, 300, resets_in=3600)}, n=1),
             tc(65, limits={"primary": window(30.0, 300, resets_in=3540 + 7)}, n=2),  # 7 s of server jitter
             tc(125, limits={"primary": window(30.0, 300, resets_in=-10)}, n=3)]  # nonsense: no reset time
    snaps, _, _, _ = scan(tmp_path, lines)
    assert [(s[3], s[4], s[6]) for s in snaps] == [
        (T0_MS + 5 * MS, T0_MS + 65 * MS, T0_MS + 3605 * MS),
        (T0_MS + 125 * MS, T0_MS + 125 * MS, None)]


def test_null_limits_record_nothing_and_calls_still_count(tmp_path: Path) -> None:
    snaps, hits, windows, t = scan(tmp_path, [tc(5, limits=None, n=1), tc(9, limits=None, n=2)])
    assert snaps == [] and hits == []
    assert t["calls"] == 2 and t["output"] == 100
    assert windows == [("codex", "0199aaaa-0000-7000-8000-000000000001", "gpt-5.2-codex", 258_400, T0_MS + 5 * MS)]


def test_limit_only_events_are_readings_not_calls(tmp_path: Path) -> None:
    snaps, _, _, t = scan(tmp_path, [tc(5, limits={"primary": window(55.0, 300, resets_at=1_772_370_000)},
                                        info=None)])
    assert t["calls"] == 0
    assert [(s[2], s[5]) for s in snaps] == [(300, 55.0)]


def test_a_limit_hit_names_the_full_window_and_a_retry_is_the_same_hit(tmp_path: Path) -> None:
    full = {"primary": window(100.0, 300, resets_at=1_772_370_000), "secondary": window(40.0, 10080,
                                                                                      resets_at=1_772_800_000)}
    stop = json.dumps({"timestamp": _ts(20), "type": "event_msg", "payload": {
        "type": "task_complete", "error": {"message": "You've hit your usage limit.",
                                           "codex_error_info": "usage_limit_exceeded"}}})
    again = json.dumps({"timestamp": _ts(40), "type": "event_msg", "payload": {
        "type": "error", "message": "You've hit your usage limit.", "codex_error_info": "usage_limit_exceeded"}})
    other = json.dumps({"timestamp": _ts(50), "type": "event_msg", "payload": {
        "type": "task_complete", "error": {"message": "x", "codex_error_info": "context_window_exceeded"}}})
    _, hits, _, _ = scan(tmp_path, [tc(10, limits=full), stop, again, other])
    assert hits == [("codex", T0_MS + 20 * MS, "usage_limit_exceeded", 300, 1_772_370_000_000,
                     "0199aaaa-0000-7000-8000-000000000001")]


def test_reached_type_is_a_hit_once_per_run_of_events(tmp_path: Path) -> None:
    reached = {"primary": window(100.0, 300, resets_at=1_772_370_000), "rate_limit_reached_type": "primary"}
    lines = [tc(5, limits=reached, info=None), tc(6, limits=reached, info=None),
             tc(7, limits={"primary": window(3.0, 300, resets_at=1_772_388_000)}, info=None)]
    _, hits, _, _ = scan(tmp_path, lines)
    assert [(h[1], h[2], h[3]) for h in hits] == [(T0_MS + 5 * MS, "rate_limit_reached", 300)]


def test_per_model_limits_are_kept_apart_as_a_scope(tmp_path: Path) -> None:
    lines = [tc(5, limits={"limit_id": "codex", "primary": window(10.0, 300, resets_at=1_772_370_000)}, info=None),
             tc(6, limits={"limit_id": "codex_bengalfox", "limit_name": "GPT-5.3-Codex-Spark",
                           "primary": window(80.0, 300, resets_at=1_772_370_000)}, info=None)]
    snaps, _, _, _ = scan(tmp_path, lines)
    assert sorted((s[1], s[5]) for s in snaps) == [("", 10.0), ("codex_bengalfox", 80.0)]


def test_hostile_limit_values_are_skipped_and_nothing_else_is_lost(tmp_path: Path) -> None:
    bad = [{"primary": window(True, 300)}, {"primary": {"used_percent": "50", "window_minutes": 300}},  # type: ignore[arg-type]
           {"primary": {"used_percent": -1, "window_minutes": 300}},
           {"primary": {"used_percent": 1e300, "window_minutes": 300}},
           {"primary": {"used_percent": 5, "window_minutes": "300"}}, {"primary": [1, 2]}, "limits",
           {"primary": {"used_percent": 5, "window_minutes": 300, "resets_at": 10**30}},
           {"primary": {"used_percent": 5, "window_minutes": 300, "resets_at": "tomorrow"}},
           {"primary": window(5.0, 300), "plan_type": "<b>plus</b>\x1b[31m"}]
    lines = [tc(5 + i, limits=limits, n=i + 1) for i, limits in enumerate(bad)]
    snaps, _, _, t = scan(tmp_path, lines)
    assert t["calls"] == len(bad)
    # only the well-formed readings, their unusable reset times dropped, and no plan text that is not a name
    assert [(s[5], s[6], s[7]) for s in snaps] == [(5.0, None, None)]


def test_reading_a_log_in_parts_stores_what_one_read_stores(tmp_path: Path) -> None:
    lines = [tc(i, limits={"primary": window(float(i // 20), 300, resets_at=1_772_370_000),
                           "secondary": window(7.0, 10080, resets_at=1_772_800_000)}, n=i + 1) for i in range(60)]
    whole, _, _, _ = scan(tmp_path / "whole", lines)
    codex = tmp_path / "parts" / "codex"
    path = codex_file(codex)
    write_lines(path, [codex_meta(T0, "0199aaaa-0000-7000-8000-000000000001"), codex_turn(T0)])
    ws = make_workspace(tmp_path / "parts", codex=codex)
    try:
        for start in range(0, 60, 7):
            write_lines(path, lines[start:start + 7], mode="a")
            ws.scan()
        ws.scan()  # nothing new: nothing changes
        parts = _tables(ws.conn)[0]
    finally:
        ws.close()
    assert parts == whole
    assert len(whole) == 4  # 0 %, 1 % and 2 % of the 5-hour window, and one weekly reading


def test_a_log_whose_name_is_not_utf8_keeps_its_readings_and_window(tmp_path: Path) -> None:
    """Found by tests/properties: the chat id taken from such a name could not be stored (the scan failed)."""
    import os

    codex = tmp_path / "codex"
    path = codex / "sessions" / "2026" / "03" / "01" / os.fsdecode(b"rollout-\xff.jsonl")
    write_lines(path, [codex_turn(T0), tc(5, limits={"primary": window(12.5, 300, resets_in=900)})])
    ws = make_workspace(tmp_path, codex=codex)
    try:
        ws.scan()
        snaps, _, windows = _tables(ws.conn)
        from tokenpulse.insights.context_windows import window_for

        assert window_for(ws.conn, "codex", os.fsdecode(b"rollout-\xff"), "gpt-5.2-codex") == 258_400
    finally:
        ws.close()
    assert [(s[2], s[5]) for s in snaps] == [(300, 12.5)]
    assert windows == [("codex", "rollout-\\xff", "gpt-5.2-codex", 258_400, T0_MS + 5 * MS)]


def test_the_decoded_entry_point_finds_what_the_raw_one_finds() -> None:
    """An accelerated parser that has decoded the event already hands it to `feed_event` (see README)."""
    from tokenpulse.sources.codex.limits import CodexLimitReader

    full = {"primary": window(100.0, 300, resets_at=1_772_370_000), "plan_type": "pro"}
    lines = [tc(5, limits=full), tc(6, limits=None, info=None),
             json.dumps({"timestamp": _ts(9), "type": "event_msg", "payload": {
                 "type": "task_complete", "error": {"codex_error_info": "usage_limit_exceeded"}}})]
    raw, decoded = CodexLimitReader(), CodexLimitReader()
    for line in lines:
        raw.feed(line.encode(), "s", "gpt-5")
        p = json.loads(line)["payload"]
        decoded.feed_event(T0_MS + 1000 * int(json.loads(line)["timestamp"][17:19]), p["type"], p.get("info"),
                           p.get("rate_limits"), p.get("codex_error_info"), p.get("error"), "s", "gpt-5")
    got, want = decoded.take(), raw.take()
    assert got == want and len(want.snapshots) == 1 and len(want.hits) == 1 and len(want.windows) == 1
