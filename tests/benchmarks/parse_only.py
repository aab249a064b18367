"""Child process of `bench_scan.py --parse-only`: every Claude Code and Codex log read to calls, nothing stored.

Reads like a first import does (the scanner's reader, parsers and pool choice: TOKENPULSE_SCAN_WORKERS,
TOKENPULSE_PURE_PYTHON), so that the per-byte work is timed on its own. Prints what it read as JSON.
With --profile, prints a cProfile summary of the in-process read to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tokenpulse.ingest.linefile import LineRead, read_line_job
from tokenpulse.ingest.pool import scan_workers, start_pool
from tokenpulse.native import accelerator
from tokenpulse.sources.registry import select


def read_all() -> dict[str, object]:
    env = os.environ
    jobs = [(s, p, None) for s in select(["claude-code", "codex"]) for root in s.roots(env, Path.home())
            for p in s.iter_files(root)]
    workers = scan_workers(env)
    calls = read = 0

    def add(result: LineRead) -> None:
        nonlocal calls, read
        calls += len(result.calls)
        read += result.bytes_read

    if workers > 1:
        with start_pool(workers) as pool:
            for result in pool.map(read_line_job, jobs):
                add(result)
    else:
        for job in jobs:
            add(read_line_job(job))
    return {"files": len(jobs), "bytes": read, "calls": calls, "workers": workers,
            "accelerator": accelerator is not None}


def main() -> None:
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        result = profile.runcall(read_all)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(18)
    else:
        result = read_all()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
