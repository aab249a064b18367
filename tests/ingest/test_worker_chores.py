"""The worker's housekeeping: the daily backup, restoring one, telling about a rebuilt store, saved reminder state."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from worker_helpers import line

from helpers import write_lines
from tokenpulse.service.messages import Pause, Refresh, ReminderAnswer, RestoreBackup, Snooze


def test_backfill_makes_the_daily_backup_and_lists_it(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [line(1, 10)])
    _worker, rec = make_worker(tmp_path / "claude")
    snap = rec.wait(lambda s: s.ready and bool(s.backups))
    [(label, path)] = snap.backups
    assert label.endswith("UTC") and Path(path).parent == tmp_path / "data" / "backups"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT sum(output) FROM api_call").fetchone()[0] == 10
    finally:
        conn.close()


def test_restore_through_the_worker_brings_the_backup_back_and_rescans(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [line(1, 10)])
    worker, rec = make_worker(tmp_path / "claude")
    snap = rec.wait(lambda s: s.ready and bool(s.backups))
    backup = snap.backups[0][1]
    write_lines(log, [line(2, 32)], mode="a")
    rec.wait(lambda s: s.today.output_tokens == 42)
    db = tmp_path / "data" / "tokenpulse.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM api_call")  # damage a backup can undo; the logs still hold both calls
    conn.commit()
    conn.close()
    worker.send(RestoreBackup(backup))
    rec.until(lambda: any("now holds the backup" in n for n in rec.notices), timeout=10)
    seen = len(rec.snapshots)
    rec.wait(lambda s: len(rec.snapshots) > seen and s.ready and s.today.output_tokens == 42, timeout=10)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*), sum(output) FROM api_call").fetchone() == (2, 42)  # backup + log
    finally:
        conn.close()
    assert list(db.parent.glob("tokenpulse.sqlite3.before-restore-*"))


def test_a_rebuilt_store_is_told_once(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "tokenpulse.sqlite3").write_bytes(b"not a database at all" * 200)
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [line(1, 10)])
    _worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 10)
    assert len(rec.notices) == 1 and "moved aside" in rec.notices[0]
    assert not (data / "recovery-notice.txt").exists()


def test_snooze_and_mute_survive_a_restart(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [line(1, 10)])
    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready)
    worker.send(Snooze(4_102_444_800_000))  # 2100-01-01
    worker.send(ReminderAnswer("fresh_chat:5:1", "mute_chat", 5))
    rec.wait(lambda s: s.snoozed_until_ms == 4_102_444_800_000)
    worker.stop()
    _again, rec2 = make_worker(tmp_path / "claude")
    assert rec2.wait(lambda s: s.ready).snoozed_until_ms == 4_102_444_800_000
    conn = sqlite3.connect(tmp_path / "data" / "tokenpulse.sqlite3")
    try:
        state = conn.execute("SELECT value FROM app_state WHERE key = 'reminder_policy'").fetchone()[0]
    finally:
        conn.close()
    assert '"muted": [5]' in state


def _long_chat(log: Path, start_ms: int) -> None:
    """Nine calls a minute apart, growing to 120k context (past T and 4 × its first context)."""
    from helpers import claude_line

    def ts(ms: int) -> str:
        import time

        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".000Z"

    contexts = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 90_000, 120_000]
    write_lines(log, [claude_line(msg_id=f"m{k}", req_id=f"r{k}", output=50, input=10, cache_read=c - 10,
                                  ts=ts(start_ms + k * 60_000), cwd="/home/u/shop", session="long")
                      for k, c in enumerate(contexts)])


def test_the_worker_wakes_for_a_cache_expiry_and_reports_it(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.clock import FakeClock

    start = 1_790_000_000_000
    _long_chat(tmp_path / "claude/projects/-home-u-shop/long.jsonl", start)
    last = start + 8 * 60_000
    clock = FakeClock(last + 3 * 60_000)  # three minutes after the last call: the 5-minute cache still holds
    worker, rec = make_worker(tmp_path / "claude", clock=clock, reminder_grace_ms=0)
    rec.wait(lambda s: s.ready)
    rec.until(lambda: [getattr(n, "rule", None) for n in rec.reminders] == ["fresh_chat"])  # live and long
    # the worker sleeps until the cache expires (not polling), then tells about it once
    assert 100 <= worker._next_timeout() <= 121, worker._next_timeout()
    clock.advance(2 * 60 + 1)
    worker.send(Refresh())  # what the timeout would have done at that moment, without waiting two real minutes
    rec.until(lambda: [getattr(n, "rule", None) for n in rec.reminders] == ["fresh_chat", "cache_expired"])
    assert "re-writes all 120k tokens" in rec.reminders[-1].body
    worker.send(Refresh())
    rec.wait(lambda s: True)
    assert len(rec.reminders) == 2  # once per idle period


def test_the_worker_keeps_the_status_facts_current_and_drops_them_when_paused(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.insights.status_view import FACTS_NAME, present, read_facts

    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [line(1, 10, cache_read=5_000)])
    worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready)
    facts_file = tmp_path / "data" / FACTS_NAME
    rec.until(facts_file.exists)
    write_lines(log, [line(2, 20, cache_read=9_000)], mode="a")
    rec.wait(lambda s: s.today.output_tokens == 30)
    worker.send(Refresh())  # the facts are written after the snapshot of a batch; wait for one more round
    rec.wait(lambda s: True)

    def live_context() -> int | None:
        facts = read_facts(tmp_path / "data", time.time_ns() // 1_000_000)
        chats = present(facts, facts["now_ms"])["live_chats"] if facts else []
        return chats[0]["context_tokens"] if chats else None

    rec.until(lambda: live_context() == 9_005)
    worker.send(Pause())
    rec.wait(lambda s: s.paused)
    rec.until(lambda: not facts_file.exists())  # paused: stale facts must not answer for the app
