"""Turning the worker's queue into batches: changes are coalesced until the queue has been quiet a moment."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.ingest.watcher import DirAppeared, RootsChanged
from tokenpulse.service.messages import Command


@dataclass
class Batch:
    """What changed since the last read: each file once, however many events it caused."""

    files: set[Path] = field(default_factory=set)
    dirs: set[Path] = field(default_factory=set)
    roots_changed: bool = False

    def add(self, item: object) -> None:
        if isinstance(item, RootsChanged):
            self.roots_changed = True
        elif isinstance(item, DirAppeared):
            self.dirs.add(item.path)
        elif isinstance(item, Path):
            self.files.add(item)


def collect(q: queue.Queue[object], batch: Batch, quiet_s: float, max_s: float) -> Command | None:
    """Add changes to `batch` until none came for `quiet_s` seconds, or `max_s` passed in all (an agent
    that streams without pause must still be shown). A command ends the batch early and is returned."""
    give_up = time.monotonic() + max_s
    while True:
        wait = min(quiet_s, give_up - time.monotonic())
        if wait <= 0:
            return None
        try:
            item = q.get(timeout=wait)
        except queue.Empty:
            return None
        if isinstance(item, Command):
            return item
        batch.add(item)
