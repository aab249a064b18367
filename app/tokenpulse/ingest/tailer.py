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
HOLD = 16 * 1024 * 1024  # an unfinished line longer than this is not held but re-read once it ends
_TAIL = 64


_HEAD = 16 * 1024
_SAMPLE = 4 * 1024
_SAMPLES = 3  # evenly spaced inside what was read, besides the head and the tail
_LEGACY_DIGEST = 8  # cursors written before 0.2 fingerprint only the tail


def tail_hash(data: bytes) -> bytes:
    return blake2b(data, digest_size=_LEGACY_DIGEST).digest()


def _fingerprint(fd: int, offset: int, prefix: bytes | None = None) -> bytes:
    """A digest of the bytes before `offset`: the head, three samples between, and the last bytes.

    An agent that rewrites a log in place (resume, compaction) changes its first lines or its size; hashing
    only the tail missed a same-size rewrite that kept the last line. Samples cost a few small reads, where
    hashing the whole prefix would re-read a 50 MB transcript on every appended line. Every piece lies before
    `offset`: `prefix`, when it holds those bytes as they were just read (a first read), gives them without a read.
    """
    def piece(size: int, at: int) -> bytes:
        return os.pread(fd, size, at) if prefix is None else prefix[at:at + size]

    h = blake2b(digest_size=16)
    h.update(piece(min(offset, _HEAD), 0))
    if offset > _HEAD:
        for i in range(1, _SAMPLES + 1):
            h.update(piece(_SAMPLE, max(0, offset * i // (_SAMPLES + 1) - _SAMPLE // 2)))
    start = max(0, offset - _TAIL)
    h.update(piece(offset - start, start))
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
    """Complete lines from `offset`, as blocks or one by one; `offset` then points just past the last one given.

    A trailing line without its newline is left for later (the agent is still writing it). A line longer than
    MAX_LINE is skipped and counted without ever being held whole: its pieces are dropped as they are read, so a
    100 MB line costs one chunk of memory, and nothing of it stays resident afterwards.
    """

    def __init__(self, fd: int, offset: int) -> None:
        self._fd = fd
        self.offset = offset
        self.oversize_lines = 0
        self.whole: bytes | None = None  # the file's bytes from 0, when they were read in one go from the start

    def __iter__(self) -> Iterator[bytes]:
        for data, start, end in self.blocks():
            yield from data[start:end - 1].split(b"\n")

    def blocks(self) -> Iterator[tuple[bytes, int, int]]:
        """(data, start, end): `data[start:end]` is one or more complete lines, each ending with its newline.

        Parsers search a block for their needles instead of splitting it into lines (no copy per line).
        """
        fd = self._fd
        pos = self.offset
        size = os.fstat(fd).st_size
        if 0 < size - pos <= min(WHOLE_READ, MAX_LINE):
            # one read for the common case of a few MB: no line in it can be too long
            data = os.pread(fd, size - pos, pos)
            end = data.rfind(b"\n") + 1
            if end:
                yield data, 0, end
                self.offset = pos + end
                if pos == 0:
                    self.whole = data
            return
        line_at = pos  # file offset of the unfinished line: the first byte not given yet
        held: list[bytes] = []  # its pieces while they are few; past HOLD they are dropped, re-read if it fits
        held_size = 0
        holding = True
        while True:
            chunk_at = pos
            chunk = os.pread(fd, CHUNK, pos)
            if not chunk:
                return
            pos += len(chunk)
            first = chunk.find(b"\n")
            if first < 0:
                if holding:
                    held.append(chunk)
                    held_size += len(chunk)
                    if held_size > HOLD:
                        held, held_size, holding = [], 0, False
                continue
            block = first + 1  # where this chunk's own complete lines begin
            length = chunk_at + first - line_at  # of the line that ends at `first`, without its newline
            if length > MAX_LINE:
                self.oversize_lines += 1
            elif line_at < chunk_at:  # it began in an earlier chunk
                if holding:
                    held.append(chunk[:first + 1])
                    line = b"".join(held)
                else:
                    line = os.pread(fd, length + 1, line_at)  # long but allowed: read once, whole
                    if len(line) != length + 1 or line.find(b"\n") != length:
                        return  # rewritten under us: the next read starts here and checks the fingerprint
                held = []
                yield line, 0, length + 1
            else:
                block = 0
            held, held_size, holding = [], 0, True
            last = chunk.rfind(b"\n")
            if last + 1 > block:
                yield from self._fitting(chunk, block, last + 1)
            line_at = chunk_at + last + 1
            self.offset = line_at
            if last + 1 < len(chunk):
                held, held_size = [chunk[last + 1:]], len(chunk) - last - 1

    def _fitting(self, data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
        """The block without its lines longer than MAX_LINE (only a chunk larger than MAX_LINE can hold one)."""
        if end - start - 1 <= MAX_LINE:
            yield data, start, end
            return
        run = start
        at = start
        while at < end:
            nl = data.find(b"\n", at, end)
            if nl - at > MAX_LINE:
                self.oversize_lines += 1
                if at > run:
                    yield data, run, at
                run = nl + 1
            at = nl + 1
        if end > run:
            yield data, run, end


def tail_hash_at(fd: int, offset: int, whole: bytes | None = None) -> bytes | None:
    """The fingerprint of the bytes before `offset`, checked on the next read (stored as the cursor's tail_hash);
    from `whole` (the file's bytes from its start, as just read) when it holds them, else read from `fd`."""
    if offset == 0:
        return None
    return _fingerprint(fd, offset, whole if whole is not None and len(whole) >= offset else None)
