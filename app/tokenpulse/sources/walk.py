"""Walking a source root for log files without following symlinks out of it or into loops."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path


class WalkErrors:
    """Folders that could not be listed during a walk, kept for the scan summary."""

    def __init__(self) -> None:
        self.unreadable: list[str] = []


def walk_files(root: Path, wanted: Callable[[str], bool], errors: WalkErrors | None = None) -> Iterator[Path]:
    """Regular files under `root` whose name `wanted` accepts, in a stable (sorted) order.

    Symlinked files are followed only when they resolve inside the root; symlinked folders are
    not descended, so a link loop or a link out of the root is never read.
    """
    if not root.is_dir():
        return
    real_root = os.path.realpath(root)
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if errors is not None:
                errors.unreadable.append(f"{folder}: {exc.strerror or exc}")
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.path)
                elif wanted(entry.name) and entry.is_file(follow_symlinks=True):
                    if entry.is_symlink() and not _inside(os.path.realpath(entry.path), real_root):
                        continue
                    yield Path(entry.path)
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def resolves_inside(path: Path | str, root: Path | str) -> bool:
    """Whether `path`, with every symlink on the way resolved, is `root` (also resolved) or lies under it.

    For paths that reach the scanner by another way than `walk_files` (a watcher event, a fixed sub-folder of a
    root): a lexical check such as `path.relative_to(root)` passes for a link inside the root that leads out.
    """
    return _inside(os.path.realpath(path), os.path.realpath(root))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
