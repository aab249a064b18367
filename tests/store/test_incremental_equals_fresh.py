"""An incremental history gives the same store as one fresh scan: base and derived tables alike.

A generated corpus (sub-agents, resumes, forks, Codex re-emits) is revealed in steps: every log grows line by
line in three parts, files appear in a shuffled order, and a scan runs after each step. The store then must
equal, row for row, the store of one scan over the finished logs. Row ids differ between the two (they follow
the order things were seen in), so rows are compared by their natural keys: a chat by (source, session key),
a call by its dedupe key. It caught chat_stats' family sums of a sub-agent chat keeping their first value.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

from helpers import make_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import corpus

STEPS = 3


def _scan(root: Path, data: str, logs: Path) -> Path:
    ws = make_workspace(root / data, claude=logs / "claude", codex=logs / "codex")
    try:
        ws.scan()
        return ws.paths.database
    finally:
        ws.close()


def _reveal(src: Path, dst: Path, fraction: float, order: list[Path]) -> None:
    """Write the first `fraction` of every log's lines (whole lines), creating files in `order`."""
    for rel in order:
        lines = (src / rel).read_bytes().splitlines(keepends=True)
        keep = lines[: round(len(lines) * fraction)]
        if not keep:
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        old = target.read_bytes() if target.exists() else b""
        with open(target, "ab") as fh:
            fh.write(b"".join(keep)[len(old):])


def _keyed(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    key = "(SELECT source || ':' || session_key FROM chat_session WHERE id = {col})"
    try:
        out: dict[str, list[tuple[object, ...]]] = {}

        def rows(name: str, sql: str) -> None:
            out[name] = sorted(conn.execute(sql).fetchall(), key=repr)

        rows("chat_session", "SELECT source, session_key, parent_key, project, first_ms, last_ms, models"
                             " FROM chat_session")
        rows("api_call", f"SELECT dedupe_key, source, {key.format(col='session_id')}, ts_ms, model, input,"
                         " cache_write_5m, cache_write_1h, cache_read, output, reasoning, cost_usd, message_hash,"
                         " is_sidechain FROM api_call")
        rows("chat_stats", f"SELECT {key.format(col='session_id')}, {key.format(col='parent_id')}, calls,"
                           " first_context, peak_context, last_context, context_tokens, waste_tokens,"
                           " round(waste_cost_usd, 12), round(cost_usd, 12), round(waste_share, 12),"
                           " round(family_cost_usd, 12), round(family_waste_cost_usd, 12), wrote_1h_cache,"
                           " recap_allowance, last_ms FROM chat_stats")
        rows("usage_rollup", f"SELECT {key.format(col='session_id')}, bucket_ms, model, source, calls, input,"
                             " cache_write, cache_read, output, reasoning, round(cost_usd, 12), unpriced_calls,"
                             " round(input_cost, 12), round(cache_write_cost, 12), round(cache_read_cost, 12),"
                             " round(output_cost, 12) FROM usage_rollup")
        rows("usage_chat", f"SELECT {key.format(col='session_id')}, first_ms, last_ms, calls, input, cache_write,"
                           " cache_read, output, round(cost_usd, 12) FROM usage_chat")
        rows("usage_local_hour", "SELECT local_day, source, model, hour, zone, calls, input, cache_write,"
                                 " cache_read, output, reasoning, round(cost_usd, 12), unpriced_calls"
                                 " FROM usage_local_hour")
        rows("waste_rollup", f"SELECT {key.format(col='session_id')}, bucket_ms, top_level, calls, waste_tokens,"
                             " round(waste_cost_usd, 12), round(read_cost_usd, 12),"
                             " round(long_context_read_cost_usd, 12), round(long_chat_read_cost_usd, 12)"
                             " FROM waste_rollup")
        rows("waste_quarter", "SELECT bucket_ms, chats, calls, waste_tokens, round(waste_cost_usd, 12),"
                              " round(read_cost_usd, 12), round(long_context_read_cost_usd, 12),"
                              " round(long_chat_read_cost_usd, 12) FROM waste_quarter")
        rows("usage_local_day", "SELECT local_day, source, model, zone, calls, input, cache_write, cache_read,"
                                " output, reasoning, round(cost_usd, 12), unpriced_calls FROM usage_local_day")
        rows("model_price", "SELECT model, day, rates FROM model_price")
        return out
    finally:
        conn.close()


def test_an_incremental_history_gives_the_same_store_as_one_fresh_scan(tmp_path: Path) -> None:
    full = tmp_path / "full"
    corpus.generate(full, size_mb=6, seed=7, days=12)
    logs = sorted(p.relative_to(full) for p in full.rglob("*.jsonl"))
    assert len(logs) >= 10
    rng = random.Random(7)
    grown = tmp_path / "grown"
    for step in range(1, STEPS + 1):
        order = logs[:]
        rng.shuffle(order)  # a sub-agent's file may come before its parent's
        _reveal(full, grown, step / STEPS, order)
        incremental = _scan(tmp_path, "incremental", grown)
    fresh = _scan(tmp_path, "fresh", full)
    a, b = _keyed(incremental), _keyed(fresh)
    assert a.keys() == b.keys()
    for table in a:
        assert len(a[table]) == len(b[table]), table
        assert a[table] == b[table], table
