"""Properties of the line reader: however a file grows, it yields exactly its complete lines, in order."""

from __future__ import annotations

import os
import tempfile
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st
from prop_checks import CHEAP, SETTINGS

from tokenpulse.ingest import tailer
from tokenpulse.ingest.tailer import LineReader

# Bytes heavy in newlines, so lines, blank lines and half lines all occur; appended in arbitrary pieces.
pieces = st.lists(st.binary(max_size=40) | st.sampled_from([b"\n", b"\n\n", b"\r\n", b"ab\n", b"{", b"\x00", b"x" * 50]),
                  max_size=12)


def _read_as_it_grows(appends: list[bytes]) -> tuple[list[bytes], int, int, bytes]:
    """Append each piece and read after each: (lines yielded, final offset, oversize count, whole content)."""
    lines: list[bytes] = []
    oversize = 0
    offset = 0
    with tempfile.TemporaryFile() as fh:
        fd = fh.fileno()
        for piece in appends:
            os.write(fd, piece)
            reader = LineReader(fd, offset)
            lines.extend(reader)
            oversize += reader.oversize_lines
            assert reader.offset >= offset, "the offset went backwards"
            offset = reader.offset
        content = os.pread(fd, 1 << 24, 0)
    return lines, offset, oversize, content


def _complete_lines(content: bytes) -> tuple[list[bytes], int]:
    end = content.rfind(b"\n")
    return (content[:end].split(b"\n"), end + 1) if end >= 0 else ([], 0)


@CHEAP
@given(appends=pieces)
def test_whole_reads_yield_exactly_the_complete_lines(appends: list[bytes]) -> None:
    lines, offset, oversize, content = _read_as_it_grows(appends)
    expected, end = _complete_lines(content)
    assert lines == expected
    assert offset == end and oversize == 0


@CHEAP
@given(appends=pieces, chunk=st.integers(1, 17))
def test_chunked_reads_yield_exactly_the_complete_lines(appends: list[bytes], chunk: int) -> None:
    # files past WHOLE_READ are read in CHUNK pieces whose joins split lines anywhere: tiny chunks reach every join
    with mock.patch.multiple(tailer, CHUNK=chunk, WHOLE_READ=0):
        lines, offset, oversize, content = _read_as_it_grows(appends)
    expected, end = _complete_lines(content)
    assert lines == expected
    assert offset == end and oversize == 0


@SETTINGS
@given(appends=pieces, chunk=st.integers(1, 17), max_line=st.integers(1, 30))
def test_overlong_lines_are_dropped_and_counted_never_their_neighbours(appends: list[bytes], chunk: int,
                                                                       max_line: int) -> None:
    with mock.patch.multiple(tailer, CHUNK=chunk, WHOLE_READ=0, MAX_LINE=max_line):
        lines, offset, oversize, content = _read_as_it_grows(appends)
    expected, end = _complete_lines(content)
    assert offset == end
    kept = iter(lines)
    nxt = next(kept, None)
    dropped = 0
    for line in expected:
        if line == nxt:
            nxt = next(kept, None)
        else:
            assert len(line) > max_line, f"dropped a line of {len(line)} bytes, limit {max_line}"
            dropped += 1
    assert nxt is None, "yielded a line that is not in the file"
    assert dropped == oversize
