"""Kimi CLI and Droid: golden totals on the team's fixtures and the counting rules."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from agent_helpers import agent_workspace, fixture, jsonl, pick, rows, scan_agent, write_json

KEYS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning")


def _kimi_roots() -> str:
    return f"{fixture('kimi', 'home-a')},{fixture('kimi', 'home-b')}"


def test_kimi_fixture(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "kimi", kimi=_kimi_roots())
    # By hand: input_other 1244+310+20 and 5000+100, cache creation 512, cache reads 69376+70620+71000 and 5000,
    # output 155+88+10 and 400+200; the all-zero status update is no call
    assert pick(got, *KEYS) == {"calls": 5, "input": 6674, "cache_write": 512, "cache_read": 215996, "output": 853,
                                "reasoning": 0}
    assert summary.usage_records == 6
    assert summary.lines_skipped == 0, summary.skipped


def test_kimi_models_sessions_and_times(tmp_path: Path) -> None:
    ws = agent_workspace(tmp_path, ["kimi"], kimi=_kimi_roots())
    try:
        ws.scan()
        got = rows(ws, "kimi")
    finally:
        ws.close()
    assert [(r[0][-2:], r[3], r[4]) for r in got] == [
        ("a1", "kimi-k2-turbo-preview", 1767942004000),  # config.json's model
        ("a1", "kimi-k2-turbo-preview", 1767942010750),
        ("a1", "kimi-k2-turbo-preview", 1768028399999),
        ("b2", "kimi-for-coding", 1768050000000),  # no configuration: Kimi's default model
        ("b2", "kimi-for-coding", 1768050030000),
    ]


def test_kimi_reads_only_session_wire_files_and_counts_bad_lines(tmp_path: Path) -> None:
    home = tmp_path / "kimi"
    shutil.copytree(fixture("kimi", "home-b"), home)
    session = next((home / "sessions").glob("*/*"))
    ok = json.loads((session / "wire.jsonl").read_text().splitlines()[1])
    nested = session / "subagent" / "x" / "wire.jsonl"  # deeper than a session: not one
    jsonl(nested, [ok])
    with open(session / "wire.jsonl", "a") as fh:
        for bad in ({"timestamp": "noon", "message": ok["message"]},
                    {"timestamp": 1768050090.0, "message": {"type": "StatusUpdate", "payload": {
                        "token_usage": {"input_other": 1.5, "output": 2}}}},
                    {"timestamp": 1768050099.0, "message": {"type": "StatusUpdate", "payload": {
                        "token_usage": {"total": 99}}}}):
            fh.write(json.dumps(bad) + "\n")
        fh.write('{"timestamp": 1768050100.0, "message": {"type": "StatusUpdate", "payload": {"token_usa')
        fh.write("\n")
    summary, got = scan_agent(tmp_path / "ws", "kimi", kimi=home)
    assert got["calls"] == 2
    assert summary.skipped == {"missing or invalid timestamp": 1, "invalid token counts": 1,
                               "only a total, no split by token type": 1, "torn or malformed JSON line": 1}


def test_kimi_roots() -> None:
    from tokenpulse.sources.kimi import KimiSource

    home = Path("/h")
    assert KimiSource().roots({}, home) == [home / ".kimi/sessions"]
    assert KimiSource().roots({"KIMI_SHARE_DIR": "/s"}, home) == [Path("/s/sessions")]
    assert KimiSource().roots({"KIMI_DATA_DIR": "/a,/b", "KIMI_SHARE_DIR": "/s"}, home) == [Path("/a/sessions"),
                                                                                            Path("/b/sessions")]


def test_droid_fixture(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "droid", droid=fixture("droid", "sessions"))
    # two sessions with tokens (the third is all zero); thinking tokens are billed as output on top
    assert pick(got, *KEYS) == {"calls": 2, "input": 2100 + 90000, "cache_write": 30000,
                                "cache_read": 410000 + 300000, "output": 5400 + 800 + 7000, "reasoning": 800}
    assert summary.usage_records == 3 and summary.lines_skipped == 0, summary.skipped
    ws = agent_workspace(tmp_path / "again", ["droid"], droid=fixture("droid", "sessions"))
    try:
        ws.scan()
        got_rows = rows(ws, "droid")
    finally:
        ws.close()
    assert [(r[0][-2:], r[3], r[4]) for r in got_rows] == [
        ("d1", "claude-sonnet-4-5", 1768554000000),  # `custom:Claude-Sonnet-4.5-[Anthropic]`, named for prices
        ("d2", "gpt-5-codex", 1768663800000),
    ]


def test_droid_session_totals_grow_in_place(tmp_path: Path) -> None:
    target = tmp_path / "d" / "s1.settings.json"
    doc = {"model": "gpt-5", "providerLockTimestamp": "2026-01-17T15:30:00.000Z",
           "tokenUsage": {"inputTokens": 100, "outputTokens": 10, "cacheReadTokens": 1000}}
    write_json(target, doc)
    ws = agent_workspace(tmp_path / "ws", ["droid"], droid=tmp_path / "d")
    try:
        ws.scan()
        doc["tokenUsage"] = {"inputTokens": 150, "outputTokens": 30, "cacheReadTokens": 2500}
        write_json(target, doc)
        second = ws.scan()
        got = ws.conn.execute("SELECT count(*), sum(input), sum(output), sum(cache_read) FROM api_call").fetchone()
    finally:
        ws.close()
    assert (second.calls_new, second.calls_updated) == (0, 1)
    assert got == (1, 150, 30, 2500)  # the session once, at its latest totals


def test_droid_without_a_time_uses_the_file_time_and_bad_files_are_counted(tmp_path: Path) -> None:
    write_json(tmp_path / "d" / "a.settings.json", {"model": "gpt-5", "tokenUsage": {"inputTokens": 5}})
    os.utime(tmp_path / "d" / "a.settings.json", (1768600000, 1768600000))
    write_json(tmp_path / "d" / "b.settings.json", {"model": "gpt-5", "tokenUsage": {"inputTokens": -5}})
    write_json(tmp_path / "d" / "c.settings.json", {"model": "gpt-5", "tokenUsage": {"totalTokens": 50}})
    (tmp_path / "d" / "e.settings.json").write_text('{"model": "gpt-5", "tokenUs')
    write_json(tmp_path / "d" / "other.json", {"tokenUsage": {"inputTokens": 5}})  # not a settings file
    ws = agent_workspace(tmp_path / "ws", ["droid"], droid=tmp_path / "d")
    try:
        summary = ws.scan()
        got = rows(ws, "droid")
    finally:
        ws.close()
    assert [(r[0], r[4], r[5]) for r in got] == [("a", 1768600000000, 5)]
    assert summary.skipped == {"invalid token counts": 1, "only a total, no split by token type": 1,
                               "torn or malformed JSON document": 1}


def test_droid_model_names() -> None:
    from tokenpulse.sources.droid.parser import normalize_model

    assert normalize_model("custom:Claude-Opus-4.5-Thinking-[Anthropic]-0") == "claude-opus-4-5-thinking-0"
    assert normalize_model("Claude-Sonnet-4-[Anthropic]") == "claude-sonnet-4"
    assert normalize_model("gemini-2.5-pro") == "gemini-2-5-pro"
    assert normalize_model("GPT 5  Codex") == "gpt-5-codex"
