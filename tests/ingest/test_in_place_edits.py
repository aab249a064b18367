"""An in-place edit of a line log is counted even where the fingerprint does not look (issue 18 item 6).

The cursor's fingerprint hashes the first 16 KiB, three 4 KiB samples and the last 64 bytes of what was
read: a same-length edit anywhere else passed as "unchanged", and its calls were never seen. A file whose
modification time changed without its growing is now read again from the start (keys make that harmless).
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers import claude_line, claude_user_line, make_workspace, totals, write_lines

LOG = "claude/projects/p/s.jsonl"


def _history(tmp_path: Path) -> tuple[Path, list[str]]:
    """~200 KB: calls at the ends, user lines (about 1 KB each) between them."""
    lines = [claude_line(msg_id="m-first", req_id="r-first", output=11, text="x" * 900)]
    lines += [claude_user_line(f"question {i:04d} " + "y" * 900, ts="2026-03-01T10:00:00.000Z") for i in range(190)]
    lines += [claude_line(msg_id="m-last", req_id="r-last", output=13, text="x" * 900)]
    return write_lines(tmp_path / LOG, lines), lines


def _outside_the_samples(lines: list[str]) -> int:
    """Index of a line lying wholly between the head (16 KiB) and the first sample (at a quarter, ± 2 KiB)."""
    size = sum(len(line) + 1 for line in lines)
    low, high = 16 * 1024, size // 4 - 2 * 1024
    at = 0
    for i, line in enumerate(lines):
        if at > low and at + len(line) < high and "question" in line:
            return i
        at += len(line) + 1
    raise AssertionError("no line outside the sampled bytes")


def _same_length(line: str, width: int) -> str:
    assert len(line) <= width, (len(line), width)
    return line[:-1] + " " * (width - len(line)) + "}"  # JSON allows the blanks before the closing brace


def _keep_mtime_apart(path: Path) -> None:
    st = path.stat()  # an edit within the same clock tick would keep mtime_ns: make it differ, as time would
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_a_same_length_edit_outside_the_samples_is_counted(tmp_path: Path) -> None:
    path, lines = _history(tmp_path)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        assert totals(ws.conn)["calls"] == 2
        i = _outside_the_samples(lines)
        lines[i] = _same_length(claude_line(msg_id="m-edit", req_id="r-edit", output=500), len(lines[i]))
        size = path.stat().st_size
        write_lines(path, lines)
        assert path.stat().st_size == size
        _keep_mtime_apart(path)
        summary = ws.scan()
        assert summary.files_reread == 1
        got = totals(ws.conn)
        assert (got["calls"], got["output"]) == (3, 11 + 13 + 500)
        again = ws.scan()  # and nothing twice
        assert again.files_unchanged == 1 and totals(ws.conn) == got
    finally:
        ws.close()


def test_a_call_edited_in_place_to_a_larger_count_is_updated(tmp_path: Path) -> None:
    path, lines = _history(tmp_path)
    lines[-1] = claude_line(msg_id="m-last", req_id="r-last", output=13, text="x" * 900)
    write_lines(path, lines)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        i = _outside_the_samples(lines)
        lines[i] = _same_length(claude_line(msg_id="m-first", req_id="r-first", output=99), len(lines[i]))
        write_lines(path, lines)
        _keep_mtime_apart(path)
        ws.scan()
        assert totals(ws.conn)["output"] == 99 + 13  # the larger copy of m-first wins, as everywhere
    finally:
        ws.close()


def test_a_touched_file_is_read_again_without_counting_twice(tmp_path: Path) -> None:
    path, _ = _history(tmp_path)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        before = totals(ws.conn)
        _keep_mtime_apart(path)
        summary = ws.scan()
        assert summary.files_reread == 1 and summary.calls_new == 0 and summary.calls_updated == 0
        assert totals(ws.conn) == before
    finally:
        ws.close()


def test_a_growing_file_is_still_read_from_its_cursor(tmp_path: Path) -> None:
    path, _ = _history(tmp_path)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        first = ws.scan()
        write_lines(path, [claude_line(msg_id="m-new", req_id="r-new", output=5)], mode="a")
        summary = ws.scan()
        assert summary.files_reread == 0 and summary.calls_new == 1
        assert summary.bytes_read < first.bytes_read // 50  # only the appended line
    finally:
        ws.close()
