"""Fixed Snapshots for presenter and GUI tests (no Qt, no store): `from presenters.factories import ...`."""

from __future__ import annotations

from tokenpulse.snapshot import LiveChat, Snapshot
from tokenpulse.store.queries import Totals

NOW = 1_790_000_000_000  # 2026-09-21 14:13:20 UTC


def make_snapshot(**changes: object) -> Snapshot:
    base = Snapshot(
        now_ms=NOW, tz="UTC", day="2026-09-21",
        today=Totals(calls=120, input_tokens=3_400, cache_write_tokens=45_600, cache_read_tokens=1_234_567,
                     output_tokens=12_345, cost_usd=3.4),
        week=Totals(calls=800, input_tokens=23_400, cache_write_tokens=345_600, cache_read_tokens=9_234_567,
                    output_tokens=92_345, cost_usd=21.1, unpriced_calls=2),
        spark_days=tuple(f"2026-09-{d:02d}" for d in range(8, 22)),
        spark_output=(0, 1200, 5000, 0, 0, 8000, 12000, 3000, 0, 0, 4000, 9000, 7000, 12345),
        live=LiveChat(session_id=1, agent="Claude Code", project="/home/u/src/tokenpulse", calls=42,
                      context_tokens=84_200, first_context_tokens=12_000, last_cost_usd=0.41, first_cost_usd=0.05,
                      last_ms=NOW - 60_000),
        ready=True)
    return base.with_state(**changes)

