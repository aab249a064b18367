"""A call stamped years ahead is counted but never becomes "the live chat".

One of the shared Codex samples has calls dated 2040. With it in the store, the real live chat (a Claude Code
chat at 112 k context, a minute ago) used to be hidden: the 2040 chat was "live" forever, its ring empty, the
icon never red. Live means a call between now − 10 min and now + a small clock-skew allowance.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers import claude_line, make_workspace, samples, write_lines
from tokenpulse.clock import FakeClock
from tokenpulse.config.settings import Settings
from tokenpulse.nudges.status import live_status
from tokenpulse.snapshot import build

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_call_dated_2040_is_counted_and_never_the_live_chat(tmp_path: Path) -> None:
    codex = tmp_path / "codex" / "sessions" / "2026" / "01" / "01"
    codex.mkdir(parents=True)
    sample = samples("codex") / "tokscale__codex_task_started_duration.jsonl"
    shutil.copyfile(sample, codex / f"rollout-{sample.name}")
    claude = tmp_path / "claude"
    contexts = [20_000 + 10_000 * k for k in range(10)] + [112_000]
    write_lines(claude / "projects/-home-u-shop/live.jsonl", [
        claude_line(msg_id=f"m{k}", req_id=f"r{k}", output=50, input=10, cache_read=c - 10, cwd="/home/u/shop",
                    session="live", ts=_iso(NOW - timedelta(minutes=len(contexts) - k)))
        for k, c in enumerate(contexts)])
    ws = make_workspace(tmp_path, claude=claude, codex=tmp_path / "codex")
    ws.clock = FakeClock(NOW)
    ws.scanner.clock = ws.clock
    try:
        summary = ws.scan()
        assert summary is not None
        future = ws.conn.execute("SELECT count(*) FROM api_call WHERE ts_ms > ?",
                                 (int(NOW.timestamp() * 1000),)).fetchone()[0]
        assert future > 0 and summary.calls_future == future  # counted, and said in the scan summary
        assert "calls dated after now" in "\n".join(summary.lines())
        now_ms = int(NOW.timestamp() * 1000)
        snap = build(ws.conn, now_ms, ZoneInfo("UTC"), context_threshold=100_000)
        assert snap.live is not None and snap.live.context_tokens == 112_000
        assert snap.nudge_pending  # the ring is full and the icon turns red
        status = live_status(ws.conn, now_ms, ws.pricer, Settings(timezone="UTC"))
        assert [c["agent"] for c in status["live_chats"]] == ["Claude Code"]
        assert status["live_chats"][0]["context_tokens"] == 112_000
    finally:
        ws.close()
