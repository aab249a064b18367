"""Probes that see what the code under test does: Python audit events, inotify file opens, inet sockets."""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------
# Python audit events (PEP 578): every open, listing, spawn and socket of every thread of this process
# ---------------------------------------------------------------------------------------------

INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)
SPAWN_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.forkpty", "pty.spawn", "os.startfile")

# Only these are kept: the hook sees every audit event of the process, most of them irrelevant here.
KEPT_EVENTS = frozenset({"open", "os.scandir", "os.listdir", "sqlite3.connect", "os.remove", "os.rmdir",
                         "shutil.rmtree", "os.rename", *SPAWN_EVENTS})

_lock = threading.Lock()
_recorders: list[AuditRecorder] = []
_installed = False


@dataclass
class AuditRecorder:
    """Audit events seen while active; `block_inet` makes inet sockets and name lookups fail as well."""

    block_inet: bool = False
    events: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    inet_attempts: list[str] = field(default_factory=list)

    def named(self, *names: str) -> list[tuple[str, tuple[Any, ...]]]:
        return [(e, a) for e, a in self.events if e in names]

    def opened_paths(self) -> list[str]:
        """Paths given to open/os.open, os.scandir/os.listdir and sqlite3.connect."""
        out = []
        for _event, args in self.named("open", "os.scandir", "os.listdir", "sqlite3.connect"):
            if args and isinstance(args[0], (str, bytes, os.PathLike)):
                out.append(os.fsdecode(args[0]))
        return out

    def spawns(self) -> list[tuple[str, tuple[Any, ...]]]:
        return self.named(*SPAWN_EVENTS)


def _inet_attempt(event: str, args: tuple[Any, ...]) -> str | None:
    if event == "socket.__new__" and len(args) >= 2 and args[1] in INET_FAMILIES:
        return f"socket({socket.AddressFamily(args[1]).name})"
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        return f"{event}{args[:2]!r}"
    if event in ("socket.connect", "socket.sendto", "socket.bind") and len(args) >= 2 and isinstance(args[1], tuple):
        return f"{event}({args[1]!r})"  # AF_UNIX addresses are str/bytes; inet ones are tuples
    return None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _recorders:  # the hook cannot be removed, so it must cost nothing when no test is listening
        return
    attempt = _inet_attempt(event, args) if event.startswith("socket.") else None
    if attempt is None and event not in KEPT_EVENTS:
        return
    block = False
    with _lock:
        for rec in _recorders:
            rec.events.append((event, args))
            if attempt is not None:
                rec.inet_attempts.append(attempt)
                block = block or rec.block_inet
    if block:
        raise PermissionError(f"network access blocked by the test: {attempt}")


@contextmanager
def audit(block_inet: bool = False) -> Iterator[AuditRecorder]:
    """Record audit events of the whole process (all threads) while the block runs."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    rec = AuditRecorder(block_inet=block_inet)
    with _lock:
        _recorders.append(rec)
    try:
        yield rec
    finally:
        with _lock:
            _recorders.remove(rec)


def self_check_blocking(rec: AuditRecorder) -> None:
    """Proves the recorder is live and blocking (so a passing test means something): an inet socket fails."""
    before = len(rec.inet_attempts)
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        pass
    else:
        raise AssertionError("the network block is not active")
    assert len(rec.inet_attempts) == before + 1
    del rec.inet_attempts[before:]  # the probe's own attempt is not the app's


# ---------------------------------------------------------------------------------------------
# inotify: opens of files in watched folders by anything in this process, C libraries included
# ---------------------------------------------------------------------------------------------

IN_ACCESS, IN_OPEN, IN_ISDIR = 0x001, 0x020, 0x40000000
_EVENT = struct.Struct("iIII")


class OpenWatch:
    """Reports every open or read of the watched folders and of the files directly in them.

    inotify watches inodes, so a file reached through a symlink elsewhere still reports here, and so do
    opens made by SQLite or Qt, which Python's audit events do not see.
    """

    def __init__(self, folders: list[Path]) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self._names: dict[int, Path] = {}
        for folder in folders:
            wd = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), IN_OPEN | IN_ACCESS)
            if wd < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {folder}")
            self._names[wd] = folder

    def drain(self) -> list[str]:
        """What was opened since the last drain: paths, a folder's own listing shown as `<folder>/`."""
        seen: list[str] = []
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return seen
            pos = 0
            while pos < len(data):
                wd, _mask, _cookie, length = _EVENT.unpack_from(data, pos)
                name = data[pos + _EVENT.size: pos + _EVENT.size + length].rstrip(b"\0").decode(errors="replace")
                pos += _EVENT.size + length
                folder = self._names.get(wd)
                if folder is not None:
                    seen.append(f"{folder / name}" if name else f"{folder}/")

    def close(self) -> None:
        os.close(self._fd)


@contextmanager
def watch_opens(folders: list[Path]) -> Iterator[OpenWatch]:
    watch = OpenWatch(folders)
    try:
        yield watch
    finally:
        watch.close()


def assert_watch_sees(watch: OpenWatch, path: Path) -> None:
    """Proves the watch is live: our own read of `path` is reported (so an empty report means something)."""
    path.read_bytes()
    assert str(path) in watch.drain(), f"inotify did not report a read of {path}"


# ---------------------------------------------------------------------------------------------
# Sockets this process holds right now, whoever made them (Qt's C++ sockets included)
# ---------------------------------------------------------------------------------------------

def open_inet_sockets() -> list[str]:
    """Inet sockets among this process's file descriptors, read from /proc (empty when there are none)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        try:
            lines = Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[9] in inodes:
                found.append(f"{table} {cols[1]} -> {cols[2]}")
    return found
