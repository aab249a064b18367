"""Reading only the complete lines appended since a cursor, and noticing when a file was replaced."""

from __future__ import annotations

try:  # hashlib.blake2b is this one; importing hashlib also loads OpenSSL's hashes (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # an interpreter without the private module
    from hashlib import blake2b
import os
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = 4 * 1024 * 1024
WHOLE_READ = 32 * 1024 * 1024  # new bytes up to this size are read in one go
# Longer lines are skipped and counted: real transcripts stay far below (big pastes are a few MB).
MAX_LINE = 64 * 1024 * 1024
_TAIL = 64


_HEAD = 16 * 1024
_SAMPLE = 4 * 1024
_SAMPLES = 3  # evenly spaced inside what was read, besides the head and the tail
_LEGACY_DIGEST = 8  # cursors written before 0.2 fingerprint only the tail


def tail_hash(data: bytes) -> bytes:
    return blake2b(data, digest_size=_LEGACY_DIGEST).digest()


def _fingerprint(fd: int, offset: int) -> bytes:
    """A digest of the bytes before `offset`: the head, three samples between, and the last bytes.

    An agent that rewrites a log in place (resume, compaction) changes its first lines or its size; hashing
    only the tail missed a same-size rewrite that kept the last line. Samples cost a few small reads, where
    hashing the whole prefix would re-read a 50 MB transcript on every appended line.
    """
    h = blake2b(digest_size=16)
    h.update(os.pread(fd, min(offset, _HEAD), 0))
    if offset > _HEAD:
        for i in range(1, _SAMPLES + 1):
            h.update(os.pread(fd, _SAMPLE, max(0, offset * i // (_SAMPLES + 1) - _SAMPLE // 2)))
    start = max(0, offset - _TAIL)
    h.update(os.pread(fd, offset - start, start))
    return h.digest()


@dataclass(slots=True)
class FileStat:
    device: int
    inode: int
    size: int
    mtime_ns: int


def stat(path: str) -> FileStat:
    st = os.stat(path)
    return FileStat(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def still_same_file(fd: int, offset: int, expected: bytes | None) -> bool:
    """Whether the bytes before `offset` look like the ones we read last time (a rewrite changes them)."""
    if offset == 0:
        return True
    if expected is not None and len(expected) == _LEGACY_DIGEST:
        start = max(0, offset - _TAIL)
        return tail_hash(os.pread(fd, offset - start, start)) == expected
    return _fingerprint(fd, offset) == expected


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
    """The fingerprint of the bytes before `offset`, checked on the next read (stored as the cursor's tail_hash)."""
    if offset == 0:
        return None
    return _fingerprint(fd, offset)
