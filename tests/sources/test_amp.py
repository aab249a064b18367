"""Amp: golden totals on the team's thread fixtures (tests/agent_fixtures/amp) and the counting rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from agent_helpers import agent_workspace, fixture, pick, rows, scan_agent, write_json

KEYS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning")
LEDGER = "T-0b1c2d3e-0000-4000-8000-000000000001"
MESSAGES = "T-0b1c2d3e-0000-4000-8000-000000000002"


def test_fixture_threads(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "amp", amp=fixture("amp"))
    # By hand: ledger thread 12+30+8 input, cache split from the messages the events point at (2100/0,
    # 400/2100, 0/2500), output 340+120+55; message thread 900+4 input, 0+500 / 3000+3900, output 75+60.
    assert pick(got, *KEYS) == {"calls": 5, "input": 954, "cache_write": 3000, "cache_read": 11500, "output": 650,
                                "reasoning": 0}
    assert summary.usage_records == 6  # the all-zero placeholder message is a usage record, not a call
    assert summary.lines_skipped == 0, summary.skipped


def test_fixture_calls_in_detail(tmp_path: Path) -> None:
    ws = agent_workspace(tmp_path, ["amp"], amp=fixture("amp"))
    try:
        ws.scan()
        got = rows(ws, "amp")
    finally:
        ws.close()
    assert [(r[0], r[3], r[5:9]) for r in got] == [
        (LEDGER, "claude-sonnet-4-5-20250929", (12, 2100, 0, 340)),
        (LEDGER, "claude-sonnet-4-5-20250929", (30, 400, 2100, 120)),
        (LEDGER, "claude-haiku-4-5-20251001", (8, 0, 2500, 55)),
        (MESSAGES, "gpt-5", (900, 0, 3000, 75)),
        (MESSAGES, "claude-sonnet-4-5-20250929", (4, 500, 3900, 60)),
    ]
    assert got[0][4] == 1767348005000  # the event's timestamp, 2026-01-02T10:00:05Z


def _thread(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    threads = tmp_path / "amp" / "threads"
    threads.mkdir(parents=True)
    target = threads / f"{LEDGER}.json"
    shutil.copyfile(fixture("amp", "threads", f"{LEDGER}.json"), target)
    return target, json.loads(target.read_text())


def test_a_rewritten_thread_adds_only_its_new_call(tmp_path: Path) -> None:
    target, doc = _thread(tmp_path)
    ws = agent_workspace(tmp_path / "ws", ["amp"], amp=tmp_path / "amp")
    try:
        ws.scan()
        doc["messages"].append({"role": "assistant", "messageId": 5, "usage": {
            "model": "claude-haiku-4-5-20251001", "inputTokens": 3, "outputTokens": 9, "cacheReadInputTokens": 2600,
            "timestamp": "2026-01-03T09:05:00.000Z"}})
        doc["usageLedger"]["events"].append({"id": "ev-4", "timestamp": "2026-01-03T09:05:00.000Z",
                                             "model": "claude-haiku-4-5-20251001", "toMessageId": 5,
                                             "tokens": {"input": 3, "output": 9}})
        write_json(target, doc)
        second = ws.scan()
        total = ws.conn.execute("SELECT count(*), sum(cache_read) FROM api_call").fetchone()
    finally:
        ws.close()
    assert (second.calls_new, second.calls_updated) == (1, 0)  # the three old events keep their keys
    assert total == (4, 2100 + 2500 + 2600)


def test_bad_events_are_counted_and_cost_the_others_nothing(tmp_path: Path) -> None:
    target, doc = _thread(tmp_path)
    doc["usageLedger"]["events"] += [
        {"id": "ev-x1", "timestamp": "2026-01-02T11:00:00Z", "model": "m", "tokens": {"total": 345}},
        {"id": "ev-x2", "timestamp": "2026-01-02T11:00:00Z", "model": "m", "tokens": {"input": -1, "output": 2}},
        {"id": "ev-x3", "timestamp": "yesterday", "model": "m", "tokens": {"input": 1, "output": 2}},
        "not an event",
    ]
    write_json(target, doc)
    summary, got = scan_agent(tmp_path / "ws", "amp", amp=tmp_path / "amp")
    assert got["calls"] == 3 and got["output"] == 340 + 120 + 55
    assert summary.skipped == {"only a total, no split by token type": 1, "invalid token counts": 1,
                               "missing or invalid timestamp": 1, "record of an unexpected shape": 1}


def test_an_empty_ledger_falls_back_to_message_usage(tmp_path: Path) -> None:
    target, doc = _thread(tmp_path)
    doc["usageLedger"] = {"events": []}
    write_json(target, doc)
    _, got = scan_agent(tmp_path / "ws", "amp", amp=tmp_path / "amp")
    assert pick(got, "calls", "input", "cache_read", "output") == {"calls": 3, "input": 50, "cache_read": 4600,
                                                                   "output": 515}


def test_a_torn_thread_is_counted_and_read_again_when_whole(tmp_path: Path) -> None:
    target, _ = _thread(tmp_path)
    whole = target.read_bytes()
    target.write_bytes(whole[: len(whole) // 2])
    ws = agent_workspace(tmp_path / "ws", ["amp"], amp=tmp_path / "amp")
    try:
        first = ws.scan()
        target.write_bytes(whole)
        ws.scan()
        calls = ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
    finally:
        ws.close()
    assert first.skipped == {"torn or malformed JSON document": 1} and first.calls_new == 0
    assert calls == 3


def test_roots() -> None:
    from tokenpulse.sources.amp import AmpSource

    home = Path("/h")
    assert AmpSource().roots({}, home) == [home / ".local/share/amp/threads"]
    assert AmpSource().roots({"XDG_DATA_HOME": "/x"}, home) == [Path("/x/amp/threads"), home / ".local/share/amp/threads"]
    assert AmpSource().roots({"AMP_DATA_DIR": "/a,/b/threads"}, home) == [Path("/a/threads"), Path("/b/threads")]
