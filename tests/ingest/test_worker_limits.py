"""The app and plan limits (issue 11): the status line's journal is folded in as soon as it changes, readings reach
the tray's snapshot and the status facts, the 95 % reminder fires once after the first import."""

from __future__ import annotations

import time
from pathlib import Path

from worker_helpers import line

from helpers import write_lines
from tokenpulse.insights.status_view import read_facts
from tokenpulse.store.limits_journal import path_in


def _entry(used: float) -> dict[str, object]:
    now = time.time_ns() // 1_000_000
    return {"k": "snap", "source": "claude-code", "window_minutes": 300, "used_percent": used,
            "resets_ms": now + 3_600_000, "observed_ms": now, "via": "statusline"}


def test_a_journalled_reading_reaches_the_tray_the_facts_and_a_reminder(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.store.limits_journal import append

    write_lines(tmp_path / "claude/projects/p/s.jsonl", [line(1, 10)])
    worker, rec = make_worker(tmp_path / "claude", reminder_grace_ms=0)
    rec.wait(lambda s: s.ready)
    data = tmp_path / "data"
    assert append(data, [_entry(96.0)])  # what `tokenpulse statusline` does while the app runs
    snap = rec.wait(lambda s: [w.used_percent for w in s.limits] == [96.0], timeout=10)
    assert snap.tight_limit() is not None
    rec.until(lambda: [getattr(n, "rule", None) for n in rec.reminders] == ["plan_limit"], timeout=10)
    assert rec.reminders[0].title == "Claude Code: 5-hour window at 96 %"
    assert path_in(data).read_bytes() == b""  # folded into the store
    rec.until(lambda: [r["used_percent"] for r in (read_facts(data, time.time_ns() // 1_000_000) or {})
                       .get("limits", [])] == [96.0], timeout=10)
    append(data, [_entry(97.0)])
    rec.wait(lambda s: [w.used_percent for w in s.limits] == [97.0], timeout=10)
    time.sleep(0.3)
    assert len(rec.reminders) == 1  # 97 % is the same level of the same window
