"""Claude Code limit notices (issue 11 §2): the `<synthetic>` rate-limit message is a limit hit, never a call;
a transient 429 that the agent retried is neither; the notice's text is never stored."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import claude_line, make_workspace, samples, totals, write_lines

T_MS = 1_772_359_200_000  # 2026-03-01T10:00:00Z


def notice(ts: str, *, quota: bool, usage: bool, session: str = "sess-1", text: str = "You've hit your limit") -> str:
    message: dict[str, object] = {"id": "n-" + ts, "model": "<synthetic>", "role": "assistant",
                                  "stop_reason": "stop_sequence", "type": "message",
                                  "content": [{"type": "text", "text": f"{text} · resets 3pm (Europe/Paris)"}]}
    if usage:
        message["usage"] = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                            "cache_read_input_tokens": 0}
    rec: dict[str, object] = {"parentUuid": "p", "isSidechain": False, "type": "assistant", "uuid": "u-" + ts,
                              "timestamp": ts, "message": message, "error": "rate_limit", "isApiErrorMessage": True,
                              "apiErrorStatus": 429, "sessionId": session, "version": "2.1.114", "cwd": "/home/u/p"}
    if quota:
        rec["quotaLimits"] = {"status": "rejected", "resetsAt": 1_772_377_200, "rateLimitType": "five_hour",
                              "overageStatus": "rejected", "isUsingOverage": False}
    return json.dumps(rec)


def _scan(tmp_path: Path, lines: list[str]) -> tuple[list[tuple[object, ...]], dict[str, int], object]:
    claude = tmp_path / "claude"
    write_lines(claude / "projects/-home-u-p/sess-1.jsonl", lines)
    ws = make_workspace(tmp_path, claude=claude)
    try:
        summary = ws.scan()
        hits = ws.conn.execute("SELECT source, ts_ms, kind, window_minutes, resets_ms, session_key FROM limit_hit"
                               " ORDER BY ts_ms").fetchall()
        return hits, totals(ws.conn), summary
    finally:
        ws.close()


def test_the_synthetic_limit_notice_is_a_hit_with_its_window_and_reset(tmp_path: Path) -> None:
    lines = [claude_line(msg_id="m1", req_id="r1", output=40, ts="2026-03-01T09:59:00.000Z"),
             notice("2026-03-01T10:00:00.000Z", quota=True, usage=False)]
    hits, t, _ = _scan(tmp_path, lines)
    assert hits == [("claude-code", T_MS, "rate_limit", 300, 1_772_377_200_000, "sess-1")]
    assert t["calls"] == 1 and t["output"] == 40  # the notice is no call


def test_older_notices_without_quota_details_are_hits_too_and_usage_does_not_make_them_calls(tmp_path: Path) -> None:
    lines = [notice("2026-03-01T10:00:00.000Z", quota=False, usage=True),
             notice("2026-03-01T10:00:30.000Z", quota=False, usage=False)]
    hits, t, summary = _scan(tmp_path, lines)
    assert [(h[1], h[3], h[4]) for h in hits] == [(T_MS, None, None), (T_MS + 30_000, None, None)]
    assert t["calls"] == 0
    assert summary.skipped["synthetic message (no API call)"] == 1  # as before: counted, not stored


def test_retries_of_one_window_are_one_hit(tmp_path: Path) -> None:
    lines = [notice(f"2026-03-01T10:0{i}:00.000Z", quota=True, usage=False) for i in range(3)]
    hits, _, _ = _scan(tmp_path, lines)
    assert len(hits) == 1


def test_a_transient_429_that_was_retried_is_no_hit(tmp_path: Path) -> None:
    retried = json.loads(claude_line(msg_id="m9", req_id="r9", output=7, ts="2026-03-01T10:00:00.000Z"))
    retried.update(error="rate_limit", isApiErrorMessage=True)  # a real model's answer: not the plan's limit
    quoted = claude_line(msg_id="m8", req_id="r8", ts="2026-03-01T10:01:00.000Z",
                         text='he wrote {"error": "rate_limit"} in the chat')
    hits, t, _ = _scan(tmp_path, [json.dumps(retried), quoted])
    assert hits == [] and t["calls"] == 2


def test_the_notice_text_is_never_stored(tmp_path: Path) -> None:
    secret = "You've hit your limit, said the canary 7c1d"
    _scan(tmp_path, [notice("2026-03-01T10:00:00.000Z", quota=True, usage=False, text=secret)])
    raw = (tmp_path / "data" / "tokenpulse.sqlite3").read_bytes()
    wal = tmp_path / "data" / "tokenpulse.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"canary 7c1d" not in raw


def test_the_schema_fixture_synthetic_line_is_no_hit(tmp_path: Path) -> None:
    claude = tmp_path / "claude" / "projects" / "fixture"
    claude.mkdir(parents=True)
    (claude / "small.jsonl").write_bytes((samples("claude-code") / "schema-fixtures/agent-sessions/small.jsonl")
                                         .read_bytes())
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM limit_hit").fetchone()[0] == 0  # its error is "[trimmed…]"
    finally:
        ws.close()
