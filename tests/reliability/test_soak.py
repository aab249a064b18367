"""Long run: logs grow continuously (torn lines, streaming copies, Codex snapshots) while a Qt-free scanner loops.

The scanner thread does what the app's ingest worker does: `scan_paths` for the paths a watcher would report,
a full `scan` now and then, `after_ingest` after each. Memory must stay flat (tracemalloc and RSS after a
warm-up) and the final totals must equal what the writer wrote, exactly. TP_SOAK_SECONDS changes the length.
"""

from __future__ import annotations

import json
import os
import queue
import random
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from rel_helpers import record_figure, rss_mib

from helpers import claude_line, codex_file, codex_turn, make_workspace, totals

SOAK_S = float(os.environ.get("TP_SOAK_SECONDS", "100"))
CLAUDE_FILES, CODEX_FILES = 40, 8


class Writer:
    """Appends to the logs and keeps the ground truth of what a correct scanner must end up with."""

    def __init__(self, root: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.claude = [root / f"claude/projects/-home-u-p{i % 5}/s{i}.jsonl" for i in range(CLAUDE_FILES)]
        self.codex = [codex_file(root / "codex", name=f"rollout-2026-03-01T10-00-00-0199aaaa-0000-7000-8000-{i:012d}")
                      for i in range(CODEX_FILES)]
        for path in self.claude + self.codex:
            path.parent.mkdir(parents=True, exist_ok=True)
        for path in self.codex:
            path.write_text(codex_turn("2026-03-01T10:00:00Z", model="gpt-5.2-codex") + "\n")
        self.claude_max: dict[str, int] = {}
        self.recent: dict[Path, list[str]] = {p: [] for p in self.claude}
        self.codex_total = {p: [0, 0, 0, 0] for p in self.codex}  # input, cached, output, reasoning
        self.codex_calls = 0
        self.torn: dict[Path, bytes] = {}
        self.n = 0
        self.ms = 1_772_359_200_000  # 2026-03-01T10:00:00Z
        self.lines = 0

    def step(self) -> Path:
        path = self.rng.choice(self.claude + self.codex)
        data = self.torn.pop(path, b"")
        for _ in range(self.rng.randint(1, 3)):
            data += self._claude_line(path) if path in self.recent else self._codex_line(path)
            self.lines += 1
        if self.rng.random() < 0.2:  # the agent is mid-write: part of the last line now, the rest later
            cut = len(data) - self.rng.randint(1, 60)
            data, self.torn[path] = data[:cut], data[cut:]
        with open(path, "ab") as fh:
            fh.write(data)
        return path

    def finish(self) -> None:
        for path, rest in self.torn.items():
            with open(path, "ab") as fh:
                fh.write(rest)
        self.torn.clear()

    def _stamp(self) -> str:
        self.ms += self.rng.randint(100, 3000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.ms / 1000)) + f".{self.ms % 1000:03d}Z"

    def _claude_line(self, path: Path) -> bytes:
        recent = self.recent[path]
        if recent and self.rng.random() < 0.3:  # a later streaming copy of a call, larger
            key = self.rng.choice(recent)
            out = self.claude_max[key] + self.rng.randint(1, 400)
        else:
            self.n += 1
            key = f"m{self.n}"
            out = self.rng.randint(1, 400)
            recent.append(key)
            del recent[:-5]
        self.claude_max[key] = max(self.claude_max.get(key, 0), out)
        return claude_line(msg_id=key, req_id="r" + key, output=out, input=3, cache_read=1000,
                           session=path.stem, ts=self._stamp(), text="soak " * 20).encode() + b"\n"

    def _codex_line(self, path: Path) -> bytes:
        total = self.codex_total[path]
        inc = [self.rng.randint(100, 5000), 0, self.rng.randint(1, 300), 0]
        inc[1] = self.rng.randint(0, inc[0])
        inc[3] = self.rng.randint(0, inc[2])
        for i in range(4):
            total[i] += inc[i]
        self.codex_calls += 1

        def as_usage(v: list[int]) -> dict[str, int]:
            return {"input_tokens": v[0], "cached_input_tokens": v[1], "output_tokens": v[2],
                    "reasoning_output_tokens": v[3], "total_tokens": v[0] + v[2]}

        return json.dumps({"timestamp": self._stamp(), "type": "event_msg", "payload": {
            "type": "token_count", "info": {"total_token_usage": as_usage(total), "last_token_usage": as_usage(inc),
                                            "model_context_window": 258400}}}).encode() + b"\n"

    def expected(self) -> tuple[int, int]:
        calls = len(self.claude_max) + self.codex_calls
        output = sum(self.claude_max.values()) + sum(t[2] for t in self.codex_total.values())
        return calls, output


def _app_mib() -> float:
    """Memory allocated (and still held) by tokenpulse code since tracing began: the test's own records of what
    it wrote grow by design and are left out."""
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, "*/tokenpulse/*", all_frames=True)])
    return sum(stat.size for stat in snapshot.statistics("filename")) / 2**20


@pytest.mark.slow
def test_soak_memory_flat_and_totals_exact(tmp_path: Path) -> None:
    writer = Writer(tmp_path, seed=7)
    changed: queue.Queue[Path] = queue.Queue()
    stop = threading.Event()
    errors: list[BaseException] = []
    stats = {"scan_paths": 0, "full_scans": 0, "bytes": 0}

    def write_loop() -> None:
        try:
            while not stop.is_set():
                changed.put(writer.step())
                time.sleep(0.003)
        except BaseException as exc:
            errors.append(exc)

    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    samples: list[tuple[float, float, float]] = []  # (seconds, traced MiB, RSS MiB)
    sample_now = threading.Event()

    def scan_loop() -> None:
        try:
            i = 0
            while not stop.is_set():
                paths: set[Path] = set()
                while True:
                    try:
                        paths.add(changed.get_nowait())
                    except queue.Empty:
                        break
                i += 1
                if i % 25 == 0:
                    summary = ws.scan()
                    stats["full_scans"] += 1
                else:
                    summary = ws.scanner.scan_paths(sorted(paths))
                    stats["scan_paths"] += 1
                assert summary is not None
                ws.after_ingest(summary)
                stats["bytes"] += summary.bytes_read
                if sample_now.is_set():  # between two scans: nothing of a scan is in flight
                    samples.append((time.monotonic() - started, _app_mib(), rss_mib()))
                    sample_now.clear()
                time.sleep(0.02)
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=write_loop), threading.Thread(target=scan_loop)]
    started = time.monotonic()
    for t in threads:
        t.start()
    warm_up = max(5.0, SOAK_S * 0.15)
    try:
        time.sleep(warm_up)
        tracemalloc.start(12)
        sample_now.set()
        while time.monotonic() - started < SOAK_S and not stop.is_set():
            time.sleep(min(5.0, SOAK_S / 10))
            sample_now.set()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    try:
        assert errors == []
        writer.finish()
        ws.scan()
        t = totals(ws.conn)
        assert (t["calls"], t["output"]) == writer.expected()
        fresh = make_workspace(tmp_path / "fresh", claude=tmp_path / "claude", codex=tmp_path / "codex")
        try:
            fresh.scan()
            assert totals(fresh.conn) == t
        finally:
            fresh.close()
    finally:
        ws.close()
    duration = time.monotonic() - started
    # growth between the first sample after warm-up and the last: a leak grows steadily, a cache does not
    traced_growth = samples[-1][1] - samples[0][1]
    rss_growth = samples[-1][2] - samples[0][2]
    record_figure("soak.seconds", round(duration, 1))
    record_figure("soak.lines_written", writer.lines)
    record_figure("soak.calls", t["calls"])
    record_figure("soak.log_mb", round(sum(p.stat().st_size for p in writer.claude + writer.codex) / 1e6, 1))
    record_figure("soak.scan_paths_runs", stats["scan_paths"])
    record_figure("soak.full_scans", stats["full_scans"])
    record_figure("soak.app_traced_mib_first_sample", round(samples[0][1], 3))
    record_figure("soak.app_traced_growth_mib", round(traced_growth, 3))
    record_figure("soak.all_traced_peak_mib", round(traced_peak / 2**20, 2))
    record_figure("soak.rss_growth_mib", round(rss_growth, 1))
    record_figure("soak.samples", [(round(a), round(b, 3), round(c, 1)) for a, b, c in samples])
    assert stats["scan_paths"] > 100 and stats["full_scans"] >= 2
    assert traced_growth < 1.0, samples
    assert rss_growth < 64.0, samples
