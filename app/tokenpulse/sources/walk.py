"""Walking a source root for log files without following symlinks out of it or into loops, and opening them.

Only regular files are ever opened: a FIFO, socket or device named like a log would block `open()` (a FIFO
without a writer) or feed us endless bytes, so `open_log` opens without blocking and checks what it got.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from operator import attrgetter
from pathlib import Path

# (Windows has none of the three: there a FIFO cannot be named like a log, and fstat still checks the kind)
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class NotRegularFile(OSError):
    """The path names a FIFO, socket, device or folder: never read, skipped with this reason."""

    reason = "not a regular file (FIFO, socket or device)"


def open_log(path: Path | str) -> int:
    """A read-only descriptor of the regular file at `path`; never blocks, whatever the path names.

    `O_NONBLOCK` makes opening a FIFO return at once (no writer needed) and `fstat` then refuses it. The last
    component is not followed (`O_NOFOLLOW`): a link is resolved once and its target opened, so that a link
    swapped between the two steps is never followed again (the walk already checked it stays inside the root).
    Raises FileNotFoundError, NotRegularFile, or another OSError.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        fd = os.open(os.path.realpath(path), _OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(errno.EINVAL, NotRegularFile.reason, str(path))
    return fd


def check_regular(path: Path | str) -> None:
    """Raise NotRegularFile (or the OSError of opening it) unless `path` is a regular file; for paths that a
    library opens itself (SQLite), which would block on a FIFO."""
    os.close(open_log(path))


class WalkErrors:
    """What a walk noted besides the files: folders that could not be listed (for the scan summary), and which
    of the files it gave are symbolic links (the scanner resolves those only, to spot a file reached twice)."""

    def __init__(self) -> None:
        self.unreadable: list[str] = []
        self.links: set[str] = set()


_name = attrgetter("name")


def walk_files(root: Path, wanted: Callable[[str], bool], errors: WalkErrors | None = None) -> Iterator[Path]:
    """Regular files under `root` whose name `wanted` accepts, in a stable (sorted) order.

    Symlinked files are followed only when they resolve inside the root; symlinked folders are
    not descended, so a link loop or a link out of the root is never read.
    """
    if not root.is_dir():
        return
    real_root = os.path.realpath(root)
    stack = [Path(root)]
    while stack:
        folder = stack.pop()
        child = getattr(folder, "_make_child_relpath", folder.joinpath)  # pathlib's own fast join, where it has one
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=_name)
        except OSError as exc:
            if errors is not None:
                errors.unreadable.append(f"{folder}: {exc.strerror or exc}")
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(child(entry.name))
                elif wanted(entry.name) and entry.is_file(follow_symlinks=True):
                    if entry.is_symlink():  # from the directory listing: no system call
                        if not _inside(os.path.realpath(entry.path), real_root):
                            continue
                        if errors is not None:
                            errors.links.add(entry.path)
                    yield child(entry.name)
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def file_in_root(root: Path, name: str, errors: WalkErrors | None = None) -> Path | None:
    """`root/name` when it is a regular file that resolves inside the root (a linked one too, noted in `errors`
    as the walk notes its links), else None: for the sources whose file has a fixed name (a database)."""
    path = root / name
    # `is_file()` follows symlinks: a file linked from outside the root is not the agent's own
    if not (path.is_file() and resolves_inside(path, root)):
        return None
    if errors is not None and path.is_symlink():
        errors.links.add(str(path))
    return path


def resolves_inside(path: Path | str, root: Path | str) -> bool:
    """Whether `path`, with every symlink on the way resolved, is `root` (also resolved) or lies under it.

    For paths that reach the scanner by another way than `walk_files` (a watcher event, a fixed sub-folder of a
    root): a lexical check such as `path.relative_to(root)` passes for a link inside the root that leads out.
    """
    return _inside(os.path.realpath(path), os.path.realpath(root))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
