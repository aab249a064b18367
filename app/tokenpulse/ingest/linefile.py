"""Reading one line-based log from its cursor into call records: pure file work, safe in a worker process."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.ingest.tailer import LineReader, still_same_file, tail_hash_at
from tokenpulse.quota import LimitRecords
from tokenpulse.sources.base import Source
from tokenpulse.sources.walk import NotRegularFile, open_log
from tokenpulse.store.ledger import Cursor, path_key
from tokenpulse.usage import ApiCall


@dataclass(slots=True)
class LineRead:
    """What reading a file produced; `cursor` is None when the file was unchanged or unreadable."""

    path: str
    cursor: Cursor | None = None
    calls: list[ApiCall] = field(default_factory=list)
    bytes_read: int = 0
    reread: bool = False
    usage_records: int = 0
    duplicates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problem: str | None = None
    limits: LimitRecords | None = None  # plan limits (issue 11): what the parser's `limits` side channel found


def read_line_file(source: Source, path: Path, cursor: Cursor | None) -> LineRead:
    """New complete lines since `cursor` (from the start if the file was replaced or rewritten)."""
    out = LineRead(str(path))
    if cursor is not None and not cursor.missing:
        try:
            if _unchanged(cursor, os.stat(path)):
                return out  # one system call for a file that did not change: most files, most scans
        except OSError:
            pass  # opening it tells what is wrong, below
    try:
        fd = open_log(path)
    except FileNotFoundError:
        out.skipped["file vanished before it was read"] += 1
        return out
    except NotRegularFile:
        out.skipped[NotRegularFile.reason] += 1
        out.problem = f"skipped {path}: {NotRegularFile.reason}"
        return out
    except OSError as exc:
        out.skipped["unreadable file"] += 1
        out.problem = f"cannot read {path}: {exc.strerror or exc}"
        return out
    try:
        _read(source, path, fd, cursor, out)
    except OSError as exc:
        out.cursor, out.calls, out.limits = None, [], None
        out.skipped["read error"] += 1
        out.problem = f"error reading {path}: {exc.strerror or exc}"
    finally:
        os.close(fd)
    return out


def _unchanged(cursor: Cursor, st: os.stat_result) -> bool:
    return (cursor.device == st.st_dev and cursor.inode == st.st_ino and cursor.size == st.st_size
            and cursor.mtime_ns == st.st_mtime_ns)


def _read(source: Source, path: Path, fd: int, cursor: Cursor | None, out: LineRead) -> None:
    st = os.fstat(fd)
    if cursor is not None and not cursor.missing and _unchanged(cursor, st):
        return
    # A file that changed without growing was edited in place (or only touched): the fingerprint samples a few
    # bytes, so an edit between them would pass; re-reading the whole file is the only way to see it.
    resume = (cursor is not None and cursor.device == st.st_dev and cursor.inode == st.st_ino
              and cursor.offset <= st.st_size and st.st_size > cursor.size
              and still_same_file(fd, cursor.offset, cursor.tail_hash))
    out.reread = cursor is not None and not resume  # keys are stable: re-reading cannot double count
    start = cursor.offset if resume and cursor is not None else 0
    parser = source.parser(path, cursor.parser_state if resume and cursor is not None else None)
    reader = LineReader(fd, start)
    feed_block = getattr(parser, "feed_block", None)
    if feed_block is not None:  # the hot formats search whole blocks for their needles
        for data, begin, end in reader.blocks():
            out.calls += feed_block(data, begin, end)
    else:
        feed = parser.feed
        out.calls = [call for line in reader if (call := feed(line)) is not None]
    if reader.oversize_lines:
        parser.skipped["line longer than 64 MiB"] += reader.oversize_lines
    out.skipped = parser.skipped
    side = getattr(parser, "limits", None)  # plan limits (issue 11): stored with the calls and the cursor
    out.limits = side.take() if side is not None else None
    out.usage_records = parser.usage_records
    out.duplicates = parser.duplicates
    out.bytes_read = reader.offset - start
    tail_hash = tail_hash_at(fd, reader.offset, reader.whole)  # a first read has the bytes still in memory
    out.cursor = Cursor(source=source.name, path=path_key(path), device=st.st_dev, inode=st.st_ino, size=st.st_size,
                        mtime_ns=st.st_mtime_ns, offset=reader.offset, tail_hash=tail_hash,
                        parser_state=parser.state() or None,
                        lines_skipped=(cursor.lines_skipped if resume and cursor else 0) + sum(parser.skipped.values()))


def read_line_job(job: tuple[Source, Path, Cursor | None]) -> LineRead:
    """`read_line_file` taking one tuple, for a process pool's map."""
    return read_line_file(*job)
