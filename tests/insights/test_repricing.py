"""Stored calls follow the price data: when it changes (here a documented long-context tier that an older
store priced without), the calls of the (model, day) pairs whose rates differ are re-priced, and their chats'
figures and rollups follow, at the next writer's start. Before, a store kept its first rates for ever."""

from __future__ import annotations

import json

import pytest

from helpers import claude_line, make_workspace, write_lines
from tokenpulse.pricing import resolve
from tokenpulse.pricing.rates import Rates

MODEL = "claude-sonnet-4-20250514"
DAY = "2026-03-01"


def test_new_price_data_reprices_the_calls_it_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    claude = tmp_path / "claude"
    write_lines(claude / "projects/p/s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", model=MODEL, input=10_000, cache_read=300_000, output=2_000,
                    ts=f"{DAY}T10:00:00.000Z"),
        claude_line(msg_id="m2", req_id="r2", model=MODEL, input=10_000, cache_read=50_000, output=2_000,
                    ts=f"{DAY}T10:05:00.000Z")])
    ws = make_workspace(tmp_path, claude=claude)
    try:
        ws.scan()
        tiered = resolve.lookup(MODEL, DAY)
        assert tiered is not None
        flat = Rates(*((getattr(tiered, k)[0], ()) for k in ("input", "cache_write_5m", "cache_write_1h",
                                                               "cache_read", "output")))
        # the store as an older tokenpulse left it: rates without the tier, costs priced with them
        conn = ws.conn
        conn.execute("UPDATE model_price SET rates = ? WHERE model = ? AND day = ?", (flat.to_json(), MODEL, DAY))
        conn.execute("UPDATE api_call SET cost_usd = (input * 3.0 + cache_read * 0.3 + output * 15.0) / 1e6")
        conn.execute("UPDATE app_state SET value = 'genai-prices 0.2.3' WHERE key = 'price_data'")
        with ws.lock:
            ws.bring_up_to_date()  # with every chat refreshed from the old costs first
        ws.scan()  # the next writer: notices the new price data
        costs = dict(conn.execute("SELECT cache_read, cost_usd FROM api_call"))
        assert costs[300_000] == pytest.approx((10_000 * 6.0 + 300_000 * 0.6 + 2_000 * 22.5) / 1e6)
        assert costs[50_000] == pytest.approx((10_000 * 3.0 + 50_000 * 0.3 + 2_000 * 15.0) / 1e6)  # below 200k
        total = sum(costs.values())
        assert conn.execute("SELECT cost_usd FROM chat_stats").fetchone()[0] == pytest.approx(total)
        assert conn.execute("SELECT sum(cost_usd) FROM usage_rollup").fetchone()[0] == pytest.approx(total)
        stored = conn.execute("SELECT rates FROM model_price WHERE model = ? AND day = ?", (MODEL, DAY)).fetchone()[0]
        assert json.loads(stored)["cache_read"][1] == [[200_000, 0.6]]
        before = conn.total_changes
        ws.scan()  # the same data again: nothing re-priced
        assert conn.execute("SELECT count(*) FROM api_call").fetchone()[0] == 2
        assert conn.total_changes - before < 5
    finally:
        ws.close()
