"""A first import parsed in worker processes stores exactly what an in-process scan stores."""

from __future__ import annotations

import sys
from pathlib import Path

from tokenpulse.config.paths import resolve
from tokenpulse.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import corpus


def _ledger(tmp_path: Path, data: Path, name: str, workers: int) -> list[tuple[object, ...]]:
    env = {"CLAUDE_CONFIG_DIR": str(data / "claude"), "CODEX_HOME": str(data / "codex"),
           "TOKENPULSE_SCAN_WORKERS": str(workers)}
    ws = Workspace(resolve(tmp_path / name), env=env, home=tmp_path / "nohome")
    try:
        ws.scanner.parallel_min_bytes = 0  # a small corpus still takes the worker path
        assert ws.scanner.workers == workers
        summary = ws.scan()
        assert summary is not None and summary.calls_new > 0
        return ws.conn.execute(
            "SELECT hex(dedupe_key), source, ts_ms, model, input, cache_write_5m, cache_write_1h, cache_read,"
            " output, reasoning, round(cost_usd, 9) FROM api_call ORDER BY dedupe_key").fetchall()
    finally:
        ws.close()


def test_worker_processes_store_the_same_calls(tmp_path: Path) -> None:
    data = tmp_path / "corpus"
    corpus.generate(data, size_mb=3, seed=5, days=4)
    assert _ledger(tmp_path, data, "parallel", 2) == _ledger(tmp_path, data, "serial", 1)
