"""Reading only the complete lines appended since a cursor, and noticing when a file was replaced."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = 4 * 1024 * 1024
WHOLE_READ = 32 * 1024 * 1024  # new bytes up to this size are read in one go
# Longer lines are skipped and counted: real transcripts stay far below (big pastes are a few MB).
MAX_LINE = 64 * 1024 * 1024
_TAIL = 64


def tail_hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


@dataclass(slots=True)
class FileStat:
    device: int
    inode: int
    size: int
    mtime_ns: int


def stat(path: str) -> FileStat:
    st = os.stat(path)
    return FileStat(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def still_same_file(fd: int, offset: int, expected_tail: bytes | None) -> bool:
    """Whether the bytes before `offset` are the ones we read last time (a rewrite changes them)."""
    if offset == 0:
        return True
    start = max(0, offset - _TAIL)
    return tail_hash(os.pread(fd, offset - start, start)) == expected_tail


class LineReader:
    """Yields complete lines from `offset`; `offset` then points just past the last one yielded.

    A trailing line without its newline is left for later (the agent is still writing it).
    """

    def __init__(self, fd: int, offset: int) -> None:
        self._fd = fd
        self.offset = offset
        self.oversize_lines = 0

    def __iter__(self) -> Iterator[bytes]:
        fd = self._fd
        pos = self.offset
        carry = b""
        skipping = False  # inside a line longer than MAX_LINE: drop bytes until its newline
        size = os.fstat(fd).st_size
        if 0 < size - pos <= WHOLE_READ:
            # one read and one split: no chunk joins for the common case of a file of a few MB
            data = os.pread(fd, size - pos, pos)
            end = data.rfind(b"\n")
            if end >= 0:
                yield from data[:end].split(b"\n")
                self.offset = pos + end + 1
            return
        while True:
            chunk = os.pread(fd, CHUNK, pos)
            if not chunk:
                break
            pos += len(chunk)
            data = carry + chunk if carry else chunk
            end = data.rfind(b"\n")
            if end < 0:
                carry = data
                if len(carry) > MAX_LINE:
                    carry, skipping = b"", True
                continue
            complete, carry = data[:end], data[end + 1:]
            lines = complete.split(b"\n")
            if skipping:
                lines = lines[1:]
                skipping = False
                self.oversize_lines += 1
            consumed = pos - len(carry)
            yield from lines
            self.offset = consumed
            if len(carry) > MAX_LINE:
                carry, skipping = b"", True



def tail_hash_at(fd: int, offset: int) -> bytes | None:
    """The fingerprint of the bytes just before `offset`, checked on the next read."""
    if offset == 0:
        return None
    start = max(0, offset - _TAIL)
    return tail_hash(os.pread(fd, offset - start, start))
