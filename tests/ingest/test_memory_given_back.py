"""A huge line appended while the app watches is skipped without holding it, and the memory is given back
(issue 18 item 8: a 100 MB line used to leave some 200 MB resident in the app)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest
from worker_helpers import line as _line

from helpers import write_lines

MIB = 1 << 20


def _resident_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / MIB


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_a_100_mb_line_appended_live_leaves_no_memory_behind(tmp_path: Path, make_worker) -> None:  # type: ignore[no-untyped-def]
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [_line(1, 10)])
    _worker, rec = make_worker(tmp_path / "claude")
    rec.wait(lambda s: s.ready and s.today.output_tokens == 10)
    gc.collect()
    before = _resident_mib()
    block = b"x" * MIB
    with open(log, "ab") as fh:  # written in pieces, as an agent streams it: the worker may read it half-done
        fh.write(b'{"type":"assistant","message":{"id":"huge","usage":{"output_tokens":5}},"content":"')
        for _ in range(100):
            fh.write(block)
            fh.flush()
        fh.write(b'"}\n')
    del block
    write_lines(log, [_line(2, 32)], mode="a")
    snap = rec.wait(lambda s: s.today.output_tokens == 42, timeout=30.0)
    assert snap.today.output_tokens == 42  # the neighbours count; the huge line is skipped
    gc.collect()
    grown = _resident_mib() - before
    assert grown < 24, f"{grown:.0f} MiB more resident after the huge line was skipped"
