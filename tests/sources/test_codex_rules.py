"""Codex counting rules (spec §2.4, §2.6), one small hand-written rollout per rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import (
    codex_file,
    codex_message,
    codex_meta,
    codex_tc,
    codex_turn,
    make_workspace,
    totals,
    usage,
    write_lines,
)

T = "2026-03-01T10:00:{:02d}.000Z"


def _ts(i: int) -> str:
    return T.format(i)


def _scan(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path, codex=tmp_path / "codex", sources=["codex"])
    try:
        summary = ws.scan()
        rows = ws.conn.execute("SELECT ts_ms, model, input, cache_write_5m, cache_read, output, reasoning"
                               " FROM api_call ORDER BY ts_ms").fetchall()
        return summary, totals(ws.conn), rows
    finally:
        ws.close()


def _file(tmp_path: Path, lines: list[str], name: str | None = None, sub: str = "sessions") -> Path:
    kw = {"name": name} if name else {}
    return write_lines(codex_file(tmp_path / "codex", sub=sub, **kw), lines)


def _full(t: dict[str, int]) -> tuple[int, int, int, int]:
    """(input incl. cached, cached, output, reasoning) back in Codex's terms."""
    return (t["input"] + t["cache_read"] + t["cache_write"], t["cache_read"], t["output"], t["reasoning"])


def test_reemitted_snapshots_skipped(tmp_path: Path) -> None:
    t1, l1 = usage(1000, 800, 50, 10), usage(1000, 800, 50, 10)
    l2 = usage(1500, 1200, 70, 20)
    t2 = usage(2500, 2000, 120, 30)
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), t1, l1), codex_tc(_ts(2), t1, l1),
                     codex_turn(_ts(3)), codex_tc(_ts(4), t1, l1), codex_tc(_ts(5), t2, l2),
                     codex_tc(_ts(6), t2, l2)])
    summary, t, _ = _scan(tmp_path)
    assert _full(t) == (2500, 2000, 120, 30)
    assert t["calls"] == 2
    assert summary.duplicates >= 3


def test_info_null_skipped(tmp_path: Path) -> None:
    _file(tmp_path, [codex_tc(_ts(0), info=None), codex_turn(_ts(1)),
                     codex_tc(_ts(2), usage(100, 0, 10), usage(100, 0, 10)), codex_tc(_ts(3), info=None)])
    summary, t, _ = _scan(tmp_path)
    assert (t["calls"], _full(t)) == (1, (100, 0, 10, 0))
    assert summary.lines_skipped == 0


def test_empty_objects_treated_as_missing(tmp_path: Path) -> None:
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), {}, usage(100, 0, 10)),
                     codex_tc(_ts(2), {}, {})])
    _, t, _ = _scan(tmp_path)
    assert (t["calls"], _full(t)) == (1, (100, 0, 10, 0))


def test_reset_after_compaction_counts_last(tmp_path: Path) -> None:
    big = usage(180_000, 150_000, 3_000, 500)
    _file(tmp_path, [codex_turn(_ts(0)),
                     codex_tc(_ts(1), big, big),
                     # compaction: the cumulative total falls a lot; only this call's `last` is new usage
                     codex_tc(_ts(2), usage(6_000, 1_000, 200, 50), usage(6_000, 1_000, 200, 50)),
                     # growth from the new baseline
                     codex_tc(_ts(3), usage(10_000, 4_000, 300, 60), usage(4_000, 3_000, 100, 10))])
    summary, t, rows = _scan(tmp_path)
    assert t["calls"] == 3
    assert _full(t) == (180_000 + 6_000 + 4_000, 150_000 + 1_000 + 3_000, 3_000 + 200 + 100, 500 + 50 + 10)


def test_stale_snapshot_small_drop_skipped_and_baseline_kept(tmp_path: Path) -> None:
    t1 = usage(100_000, 90_000, 1_000, 100)
    t2 = usage(110_000, 99_000, 1_200, 120)
    stale = usage(109_000, 98_000, 1_150, 110)  # < 2 % below t2: an out-of-order older snapshot
    t3 = usage(120_000, 108_000, 1_500, 150)
    _file(tmp_path, [codex_turn(_ts(0)),
                     codex_tc(_ts(1), t1, t1),
                     codex_tc(_ts(2), t2, usage(10_000, 9_000, 200, 20)),
                     codex_tc(_ts(3), stale, usage(9_000, 8_000, 150, 10)),
                     codex_tc(_ts(4), t3, usage(10_000, 9_000, 300, 30))])
    summary, t, _ = _scan(tmp_path)
    assert _full(t) == (120_000, 108_000, 1_500, 150)  # = the final cumulative total
    assert t["calls"] == 3
    assert summary.skipped["stale out-of-order snapshot"] == 1


def test_zero_totals_skipped_without_moving_baseline(tmp_path: Path) -> None:
    t1 = usage(5_000, 4_000, 100, 10)
    t2 = usage(6_000, 4_800, 150, 20)
    _file(tmp_path, [codex_turn(_ts(0)),
                     codex_tc(_ts(1), t1, t1),
                     codex_tc(_ts(2), usage(0, 0, 0), usage(0, 0, 0)),
                     codex_tc(_ts(3), t2, usage(1_000, 800, 50, 10))])
    _, t, _ = _scan(tmp_path)
    assert _full(t) == (6_000, 4_800, 150, 20)
    assert t["calls"] == 2


def test_total_only_events(tmp_path: Path) -> None:
    _file(tmp_path, [codex_turn(_ts(0)),
                     codex_tc(_ts(1), usage(1000, 100, 200, 20)),
                     codex_tc(_ts(2), usage(1000, 100, 200, 20)),  # re-emit
                     codex_tc(_ts(3), usage(1600, 300, 450, 40))])
    _, t, rows = _scan(tmp_path)
    assert _full(t) == (1600, 300, 450, 40)
    assert [r[2] + r[4] for r in rows] == [1000, 600]


def test_last_only_events(tmp_path: Path) -> None:
    one = usage(300, 100, 30, 5)
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), last=one), codex_tc(_ts(2), last=one),
                     codex_tc(_ts(3), last=usage(50, 0, 5))])
    _, t, _ = _scan(tmp_path)
    assert t["calls"] == 3  # identical usage at different times are different calls
    assert _full(t) == (650, 200, 65, 10)


def test_first_snapshot_of_resumed_file_counts_last_not_inherited_total(tmp_path: Path) -> None:
    inherited = usage(50_000, 40_000, 900, 100)
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), inherited, usage(2_000, 1_500, 40, 4))])
    _, t, _ = _scan(tmp_path)
    assert _full(t) == (2_000, 1_500, 40, 4)


def _parent_lines() -> list[str]:
    t1, t2 = usage(1000, 500, 100, 10), usage(2200, 1400, 250, 30)
    return [codex_meta(_ts(0), "0199aaaa-0000-7000-8000-00000000000a"), codex_turn(_ts(1)),
            codex_tc(_ts(2), t1, t1), codex_turn(_ts(3)), codex_tc(_ts(4), t2, usage(1200, 900, 150, 20))]


def test_fork_replay_across_files_counted_once(tmp_path: Path) -> None:
    parent = _parent_lines()
    _file(tmp_path, parent, name="rollout-2026-03-01T10-00-00-0199aaaa-0000-7000-8000-00000000000a")
    child = [codex_meta(_ts(10), "0199aaaa-0000-7000-8000-00000000000b",
                        forked_from="0199aaaa-0000-7000-8000-00000000000a")] + parent[1:] + [
        codex_turn(_ts(11)), codex_tc(_ts(12), usage(3000, 2000, 300, 35), usage(800, 600, 50, 5))]
    _file(tmp_path, child, name="rollout-2026-03-01T10-00-10-0199aaaa-0000-7000-8000-00000000000b")
    _, t, _ = _scan(tmp_path)
    assert _full(t) == (3000, 2000, 300, 35)
    assert t["calls"] == 3


@pytest.mark.parametrize("child_first", [False, True])
def test_branch_replay_same_timestamps_and_totals_counted_once(tmp_path: Path, child_first: bool) -> None:
    """No fork marker at all (Codex Desktop branch): the copies share timestamps and totals."""
    t1 = usage(1000, 100, 200, 20)
    names = ["rollout-a-parent", "rollout-b-branch"]
    if child_first:
        names.reverse()
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), t1)], name=names[0])
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), t1), codex_tc(_ts(30), usage(1600, 300, 450, 40))],
          name=names[1])
    _, t, _ = _scan(tmp_path)
    assert _full(t) == (1600, 300, 450, 40)


def test_token_usage_record_ignored(tmp_path: Path) -> None:
    rec = {"timestamp": _ts(3), "type": "token_usage_record",
           "payload": {"usage": usage(9_999, 0, 999), "turn_token_usage": usage(9_999, 0, 999),
                       "thread_token_usage": usage(19_999, 0, 1999)}}
    compacted = {"timestamp": _ts(4), "type": "compacted",
                 "payload": {"message": "", "latest_token_usage_record": {"usage": usage(7_777, 0, 777)}}}
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), usage(100, 0, 10), usage(100, 0, 10)),
                     json.dumps(rec), json.dumps(compacted)])
    _, t, _ = _scan(tmp_path)
    assert (t["calls"], _full(t)) == (1, (100, 0, 10, 0))


def test_model_from_turn_context_and_info(tmp_path: Path) -> None:
    _file(tmp_path, [codex_tc(_ts(0), usage(10, 0, 1), usage(10, 0, 1)),  # before any turn_context
                     codex_turn(_ts(1), model="gpt-5.2-codex"),
                     codex_tc(_ts(2), usage(30, 0, 3), usage(20, 0, 2)),
                     codex_tc(_ts(3), usage(60, 0, 6), usage(30, 0, 3), model="gpt-5.3-codex"),
                     codex_tc(_ts(4), usage(100, 0, 10), usage(40, 0, 4))])
    _, _, rows = _scan(tmp_path)
    assert [r[1] for r in rows] == ["unknown", "gpt-5.2-codex", "gpt-5.3-codex", "gpt-5.2-codex"]


def test_cached_is_a_subset_of_input(tmp_path: Path) -> None:
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), usage(1000, 800, 50, 20), usage(1000, 800, 50, 20))])
    _, t, _ = _scan(tmp_path)
    assert (t["input"], t["cache_read"], t["cache_write"], t["output"], t["reasoning"]) == (200, 800, 0, 50, 20)


def test_cache_write_is_a_subset_of_input(tmp_path: Path) -> None:
    u = usage(100, 40, 10, cache_write_input_tokens=60)
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), u, u)])
    _, t, _ = _scan(tmp_path)
    assert (t["input"], t["cache_read"], t["cache_write"], t["output"]) == (0, 40, 60, 10)


def test_cached_larger_than_input_is_clamped(tmp_path: Path) -> None:
    u = usage(100, 150, 10, 30)  # reasoning 30 > output 10 as well
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), u, u)])
    _, t, _ = _scan(tmp_path)
    assert (t["input"], t["cache_read"], t["output"], t["reasoning"]) == (0, 100, 10, 10)


def test_cache_read_alias(tmp_path: Path) -> None:
    u = {"input_tokens": 100, "cache_read_input_tokens": 70, "output_tokens": 5}
    _file(tmp_path, [codex_turn(_ts(0)), codex_tc(_ts(1), u, u)])
    _, t, _ = _scan(tmp_path)
    assert (t["input"], t["cache_read"], t["output"]) == (30, 70, 5)


def test_other_events_and_text_ignored(tmp_path: Path) -> None:
    _file(tmp_path, [codex_meta(_ts(0), "0199aaaa-0000-7000-8000-000000000001"), codex_turn(_ts(1)),
                     codex_message(_ts(2), 'say "token_count" and "turn_context" please'),
                     json.dumps({"timestamp": _ts(3), "type": "event_msg",
                                 "payload": {"type": "agent_message", "message": "token_count"}}),
                     codex_tc(_ts(4), usage(100, 0, 10), usage(100, 0, 10))])
    summary, t, _ = _scan(tmp_path)
    assert t["calls"] == 1
    assert summary.lines_skipped == 0


def test_session_and_project_from_session_meta(tmp_path: Path) -> None:
    _file(tmp_path, [codex_meta(_ts(0), "0199aaaa-0000-7000-8000-0000000000ff", cwd="/srv/app"), codex_turn(_ts(1),
                                                                                                          cwd="/srv/app"),
                     codex_tc(_ts(2), usage(100, 0, 10), usage(100, 0, 10))])
    ws = make_workspace(tmp_path, codex=tmp_path / "codex")
    try:
        ws.scan()
        rows = ws.conn.execute("SELECT session_key, project FROM chat_session").fetchall()
    finally:
        ws.close()
    assert rows == [("0199aaaa-0000-7000-8000-0000000000ff", "/srv/app")]
