"""Taking an advisory `flock` within a time limit: the one loop every lock of tokenpulse waits in (the app's
single-instance lock, the scan lock, the store's set-up lock, the status-line journal)."""

from __future__ import annotations

import fcntl
import time


def lock_within(fd: int, wait_s: float, poll_s: float = 0.05) -> bool:
    """Lock `fd` exclusively, trying every `poll_s` until `wait_s` has passed (0: once; inf: until it is free).
    False when another process still holds it; the caller keeps (and closes) its descriptor either way."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)
