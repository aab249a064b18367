"""The line reader's blocks: exactly the complete lines, however the file grows, with long lines either read
once more whole (longer than HOLD, within MAX_LINE) or skipped and counted (past MAX_LINE)."""

from __future__ import annotations

import os
import tempfile
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from tokenpulse.ingest import tailer
from tokenpulse.ingest.tailer import LineReader

pieces = st.lists(st.binary(max_size=40) | st.sampled_from([b"\n", b"\n\n", b"ab\n", b"x" * 50, b"y" * 9 + b"\n"]),
                  max_size=12)


def _grow_and_read(appends: list[bytes]) -> tuple[list[bytes], int, int, bytes]:
    lines: list[bytes] = []
    offset = oversize = 0
    with tempfile.TemporaryFile() as fh:
        fd = fh.fileno()
        for piece in appends:
            os.write(fd, piece)
            reader = LineReader(fd, offset)
            for data, start, end in reader.blocks():
                assert 0 <= start < end <= len(data) and data[end - 1:end] == b"\n"
                lines += data[start:end - 1].split(b"\n")
            oversize += reader.oversize_lines
            assert reader.offset >= offset
            offset = reader.offset
        content = os.pread(fd, 1 << 24, 0)
    return lines, offset, oversize, content


@settings(max_examples=300, deadline=None, database=None)
@given(appends=pieces, chunk=st.integers(1, 17), hold=st.integers(0, 20), max_line=st.integers(1, 40))
def test_blocks_give_the_complete_lines_dropping_only_the_overlong(appends: list[bytes], chunk: int, hold: int,
                                                                   max_line: int) -> None:
    with mock.patch.multiple(tailer, CHUNK=chunk, WHOLE_READ=0, HOLD=hold, MAX_LINE=max_line):
        lines, offset, oversize, content = _grow_and_read(appends)
    end = content.rfind(b"\n") + 1
    expected = content[:end - 1].split(b"\n") if end else []
    assert offset == end
    assert [ln for ln in expected if len(ln) <= max_line] == lines
    assert oversize == sum(len(ln) > max_line for ln in expected)


@settings(max_examples=100, deadline=None, database=None)
@given(appends=pieces)
def test_whole_reads_give_one_block_of_every_complete_line(appends: list[bytes]) -> None:
    lines, offset, oversize, content = _grow_and_read(appends)
    end = content.rfind(b"\n") + 1
    assert (lines, offset, oversize) == ((content[:end - 1].split(b"\n") if end else []), end, 0)


@settings(max_examples=200, deadline=None, database=None)
@given(size=st.sampled_from([0, 1, 63, 64, 65, 16_383, 16_384, 16_385, 20_000, 70_001, 300_000]),
       seed=st.integers(0, 2**32 - 1))
def test_a_first_read_fingerprints_its_bytes_as_reading_them_again_would(size: int, seed: int) -> None:
    """The cursor's fingerprint of a first read comes from the bytes in memory: the same digest as the reads."""
    import random

    rng = random.Random(seed)
    data = bytes(rng.choice(b"ab{}\n") for _ in range(size))
    with tempfile.TemporaryFile() as fh:
        fd = fh.fileno()
        os.write(fd, data)
        reader = LineReader(fd, 0)
        for _ in reader.blocks():
            pass
        if reader.offset:
            assert reader.whole is not None
        assert tailer.tail_hash_at(fd, reader.offset, reader.whole) == tailer.tail_hash_at(fd, reader.offset)
        for offset in (1, 64, size // 2, size):  # any prefix the bytes hold
            if 0 < offset <= size:
                assert tailer.tail_hash_at(fd, offset, data) == tailer.tail_hash_at(fd, offset)
