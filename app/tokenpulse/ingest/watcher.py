"""Watching the sources' roots with watchdog: the handler only filters events and enqueues what changed.

Roots that do not exist yet are watched through their nearest existing parent (non-recursively); when
a folder on the way to a root appears or a watched root disappears, the handler enqueues ROOTS_CHANGED
and the worker re-plans the watches with `refresh()`. Nothing here reads files or touches the store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

# Opened / closed events are left out on purpose: our own reads of a log would otherwise wake us again.
# The filter also narrows the inotify mask, so reads wake no thread at all.
_CHANGES = {EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED, EVENT_TYPE_DELETED}
_EVENT_FILTER = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent, DirCreatedEvent,
                 DirMovedEvent, DirDeletedEvent]


class RootsChanged:
    """Marker put on the queue when a root appeared or vanished: re-plan the watches, then rescan."""

    def __repr__(self) -> str:
        return "ROOTS_CHANGED"


ROOTS_CHANGED = RootsChanged()


@dataclass(frozen=True, slots=True)
class DirAppeared:
    """A folder was created or moved in under a root: its files may predate our watch on it."""

    path: Path


Change = Path | DirAppeared | RootsChanged
Sink = Callable[[Change], None]


@dataclass(frozen=True, slots=True)
class WatchRoot:
    path: Path
    owns: Callable[[Path], bool]  # the source's own test: is this file one of its logs?


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def nearest_existing(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return None


class ChangeHandler(FileSystemEventHandler):
    """Runs on watchdog's thread: decides in microseconds, does no I/O, and only calls `sink`."""

    def __init__(self, roots: Sequence[WatchRoot], sink: Sink) -> None:
        super().__init__()
        self._roots = tuple(roots)
        self._sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        paths = [Path(os.fsdecode(event.src_path))]
        if event.event_type == EVENT_TYPE_MOVED and event.dest_path:
            paths.append(Path(os.fsdecode(event.dest_path)))
        for i, path in enumerate(paths):
            if event.is_directory:
                self._on_dir(path, event.event_type, arrived=(event.event_type == EVENT_TYPE_CREATED or i == 1))
            elif self.owns(path):
                self._sink(path)

    def owns(self, path: Path) -> bool:
        return any(_is_within(path, r.path) and r.owns(path) for r in self._roots)

    def _on_dir(self, path: Path, kind: str, arrived: bool) -> None:
        if any(_is_within(r.path, path) for r in self._roots):
            # a folder on the way to a root (or a root itself) came or went
            self._sink(ROOTS_CHANGED)
        elif arrived and any(_is_within(path, r.path) for r in self._roots):
            self._sink(DirAppeared(path))


class Watcher:
    """Owns one watchdog observer over the roots; start/stop/refresh are called by the worker thread only."""

    def __init__(self, roots: Iterable[WatchRoot], sink: Sink,
                 observer_factory: Callable[[], BaseObserver] = Observer) -> None:
        self._roots = list(roots)
        self._sink = sink
        self._factory = observer_factory
        self._observer: BaseObserver | None = None
        self.watches: list[tuple[Path, bool]] = []  # (folder, recursive): what is watched now
        self.problems: list[str] = []

    @property
    def running(self) -> bool:
        return self._observer is not None

    def plan(self) -> list[tuple[Path, bool]]:
        """Existing roots recursively; for a missing root, its nearest existing parent, non-recursively."""
        recursive: list[Path] = []
        parents: list[Path] = []
        for root in self._roots:
            if root.path.is_dir():
                if root.path not in recursive:
                    recursive.append(root.path)
                continue
            parent = nearest_existing(root.path.parent)
            if parent is not None and parent not in parents:
                parents.append(parent)
        parents = [p for p in parents if not any(_is_within(p, r) for r in recursive)]
        return [(p, True) for p in recursive] + [(p, False) for p in parents]

    def start(self) -> None:
        if self._observer is not None:
            return
        observer = self._factory()
        handler = ChangeHandler(self._roots, self._sink)
        self.watches, self.problems = [], []
        for folder, recursive in self.plan():
            try:
                observer.schedule(handler, str(folder), recursive=recursive, event_filter=_EVENT_FILTER)
                self.watches.append((folder, recursive))
            except OSError as exc:  # e.g. the inotify watch limit; the other roots still work
                self.problems.append(f"cannot watch {folder}: {exc.strerror or exc}")
                log.warning("cannot watch %s: %s", folder, exc)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        self.watches = []

    def refresh(self) -> None:
        """Re-plan after roots appeared or vanished (a watchdog observer cannot be restarted, so make a new one)."""
        was_running = self.running
        self.stop()
        if was_running:
            self.start()

    def set_roots(self, roots: Iterable[WatchRoot]) -> None:
        self._roots = list(roots)
        self.refresh()
