"""Worker processes that parse a large first import beside the writing process, and die with it.

Measured on a 2-core machine (BENCHMARKS.md, "one process or a pool"): with the compiled accelerator a file
parses faster than its calls can be pickled back and stored, so two workers cost more CPU than they save and
one process is as fast or faster. The pool is therefore the default only with at least MIN_CORES usable cores;
TOKENPULSE_SCAN_WORKERS forces a number either way.

A worker never outlives its parent: on Linux the kernel kills it when the parent dies (PR_SET_PDEATHSIG);
elsewhere a thread in the worker watches for the parent to go. Without either, a `kill -9` of `tokenpulse scan`
left its workers and multiprocessing's resource tracker blocked on a pipe they hold both ends of, for ever.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

MIN_CORES = 3  # below this the pool does not pay (measured at 2); above it, not measured here
MAX_WORKERS = 2  # the writer is serial: more parsers than two wait on it
_PR_SET_PDEATHSIG = 1


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform says, else all of them)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def scan_workers(env: Mapping[str, str], cores: int | None = None) -> int:
    """Processes to parse a large first import with: TOKENPULSE_SCAN_WORKERS when set, else by core count
    (1, meaning in-process, below MIN_CORES)."""
    try:
        return max(1, int(env.get("TOKENPULSE_SCAN_WORKERS", "")))
    except ValueError:
        pass
    cores = usable_cores() if cores is None else cores
    return 1 if cores < MIN_CORES else min(MAX_WORKERS, cores - 1)


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process. Spawn, not fork: the app scans from a thread."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def die_with_parent(parent: int) -> None:
    """Run first in each worker: arrange to be killed when `parent` dies, and exit if it is already gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the request was made
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass  # no prctl here: watch instead
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
