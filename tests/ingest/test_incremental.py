"""Incremental reading: cursors, half-written lines, appends, rewrites, deletes, renames, Codex state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import (
    claude_line,
    cli_env,
    codex_file,
    codex_tc,
    codex_turn,
    make_workspace,
    run_cli,
    table_dump,
    totals,
    usage,
    write_lines,
)

P = "claude/projects/-home-u-proj"


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    w = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    yield w
    w.close()


def _bump_mtime(path: Path, seconds: int = 5) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def test_half_written_line_waits_for_its_newline(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / P / "s.jsonl"
    first = claude_line(msg_id="m1", req_id="r1", output=10).encode() + b"\n"
    second = claude_line(msg_id="m2", req_id="r2", output=20).encode()
    f.parent.mkdir(parents=True)
    f.write_bytes(first + second[:40])
    s1 = ws.scan()
    assert totals(ws.conn)["calls"] == 1
    assert s1.bytes_read == len(first)
    assert s1.lines_skipped == 0  # an unfinished line is not malformed
    with open(f, "ab") as fh:
        fh.write(second[40:])  # complete JSON, still without newline: not yet
    ws.scan()
    assert totals(ws.conn)["calls"] == 1
    with open(f, "ab") as fh:
        fh.write(b"\n")
    s3 = ws.scan()
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (2, 30)
    assert s3.bytes_read == len(second) + 1
    assert s3.calls_new == 1
    assert s3.lines_skipped == 0


def test_append_reads_only_new_bytes_and_noop_rescan(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10)])
    size0 = f.stat().st_size
    ws.scan()
    extra = [claude_line(msg_id="m2", req_id="r2", output=20), claude_line(msg_id="m1", req_id="r1", output=15)]
    write_lines(f, extra, mode="a")
    s2 = ws.scan()
    assert s2.bytes_read == f.stat().st_size - size0
    assert (s2.calls_new, s2.calls_updated) == (1, 1)
    before = table_dump(ws.conn)
    cursors_before = ws.ledger.cursors()
    s3 = ws.scan()
    assert s3.bytes_read == 0
    assert s3.files_unchanged == 1
    assert (s3.files_read, s3.calls_new, s3.calls_updated, s3.duplicates) == (0, 0, 0, 0)
    assert table_dump(ws.conn) == before
    assert ws.ledger.cursors() == cursors_before
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (2, 35)


def test_rewritten_shorter_keeps_calls(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    lines = [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=10 * i) for i in range(1, 4)]
    f = write_lines(tmp_path / P / "s.jsonl", lines)
    ws.scan()
    before = totals(ws.conn)
    write_lines(f, lines[:1])  # Claude Code pruned the file: only the first line is left
    s = ws.scan()
    assert totals(ws.conn) == before
    assert s.files_reread == 1
    assert (s.calls_new, s.calls_updated) == (0, 0)
    # and the pruned file keeps growing normally afterwards
    write_lines(f, [claude_line(msg_id="m9", req_id="r9", output=1)], mode="a")
    ws.scan()
    assert totals(ws.conn)["output"] == before["output"] + 1


def test_rewritten_in_place_same_length_different_content(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    a = claude_line(msg_id="m1", req_id="r1", output=10)
    b = claude_line(msg_id="m2", req_id="r2", output=20)
    f = write_lines(tmp_path / P / "s.jsonl", [a, b])
    ws.scan()
    b2 = claude_line(msg_id="m3", req_id="r3", output=40)
    assert len(b2) == len(b)
    size = f.stat().st_size
    with open(f, "r+b") as fh:  # same inode, same size
        fh.seek(len(a) + 1)
        fh.write(b2.encode())
    _bump_mtime(f)
    assert f.stat().st_size == size
    s = ws.scan()
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (3, 70)  # m2 stays counted (append-only ledger), m3 added once
    assert s.files_reread == 1
    ws.scan()
    assert totals(ws.conn) == t


def test_rewritten_in_place_early_bytes_changed(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    """A change far before the cursor (outside the tail fingerprint) plus an append must still be read."""
    lines = [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i, text="x" * 200) for i in range(1, 4)]
    f = write_lines(tmp_path / P / "s.jsonl", lines)
    ws.scan()
    new_first = claude_line(msg_id="mA", req_id="r1", output=1, text="x" * 200)
    assert len(new_first) == len(lines[0])
    with open(f, "r+b") as fh:
        fh.write(new_first.encode())
    write_lines(f, [claude_line(msg_id="m4", req_id="r4", output=4)], mode="a")
    ws.scan()
    t = totals(ws.conn)
    assert t["output"] == 1 + 2 + 3 + 4 + (1 if t["calls"] == 5 else 0)
    assert t["calls"] in (4, 5)  # the early rewrite may go unnoticed, the append never


def test_deleted_file_calls_stay_and_summary_reports_it(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=10)])
    write_lines(tmp_path / P / "t.jsonl", [claude_line(msg_id="m2", req_id="r2", output=20)])
    ws.scan()
    before = totals(ws.conn)
    f.unlink()
    s = ws.scan()
    assert totals(ws.conn) == before
    assert s.files_missing == 1
    assert any("gone" in line for line in s.lines())
    s2 = ws.scan()
    assert s2.files_missing == 0  # reported once
    assert totals(ws.conn) == before
    # the file comes back (restored from a backup): no double count
    write_lines(f, [claude_line(msg_id="m1", req_id="r1", output=10)])
    ws.scan()
    assert totals(ws.conn) == before


def test_renamed_file_not_double_counted(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i)
                                               for i in range(1, 4)])
    ws.scan()
    before = totals(ws.conn)
    f.rename(f.with_name("renamed.jsonl"))
    s = ws.scan()
    assert totals(ws.conn) == before
    assert s.files_missing == 1
    assert s.calls_new == 0


def _codex_lines() -> tuple[list[str], list[str]]:
    t1, t2, t3 = usage(1000, 800, 50, 10), usage(2500, 2000, 120, 30), usage(4000, 3000, 300, 40)
    part1 = [codex_turn("2026-03-01T10:00:00Z", model="gpt-5.2-codex"),
             codex_tc("2026-03-01T10:00:01Z", t1, t1),
             codex_tc("2026-03-01T10:00:05Z", t2, usage(1500, 1200, 70, 20))]
    # starts with a re-emit of t2 under a fresh timestamp, then a snapshot whose `last` under-reports
    # the increment (a lost snapshot): only resumed per-file state gets both right
    part2 = [codex_tc("2026-03-01T10:00:09Z", t2, usage(1500, 1200, 70, 20)),
             codex_tc("2026-03-01T10:00:12Z", t3, usage(700, 500, 100, 5))]
    return part1, part2


def test_codex_appended_across_scans_resumes_parser_state(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    part1, part2 = _codex_lines()
    f = write_lines(codex_file(tmp_path / "codex"), part1)
    ws.scan()
    c1 = totals(ws.conn, "codex")
    assert (c1["input"] + c1["cache_read"], c1["output"]) == (2500, 120)
    write_lines(f, part2, mode="a")
    s = ws.scan()
    c2 = totals(ws.conn, "codex")
    assert s.files_reread == 0
    assert (c2["input"] + c2["cache_read"], c2["cache_read"], c2["output"], c2["reasoning"]) == (4000, 3000, 300, 40)
    assert c2["calls"] == 3
    models = {r[0] for r in ws.conn.execute("SELECT model FROM api_call WHERE source = 'codex'")}
    assert models == {"gpt-5.2-codex"}  # the model set by turn_context in the first part carries over
    # the same file read in one go gives the same numbers
    one = make_workspace(tmp_path / "fresh", codex=tmp_path / "codex")
    try:
        one.scan()
        assert totals(one.conn, "codex") == c2
    finally:
        one.close()


def test_codex_half_line_then_completion(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    part1, part2 = _codex_lines()
    f = write_lines(codex_file(tmp_path / "codex"), part1)
    last = part2[1].encode()
    with open(f, "ab") as fh:
        fh.write(part2[0].encode() + b"\n" + last[:30])
    ws.scan()
    with open(f, "ab") as fh:
        fh.write(last[30:] + b"\n")
    ws.scan()
    c = totals(ws.conn, "codex")
    assert (c["input"] + c["cache_read"], c["output"], c["calls"]) == (4000, 300, 3)


def test_codex_rename_not_double_counted(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    part1, part2 = _codex_lines()
    f = write_lines(codex_file(tmp_path / "codex"), part1 + part2)
    ws.scan()
    before = totals(ws.conn)
    target = codex_file(tmp_path / "codex", sub="archived_sessions")
    target.parent.mkdir(parents=True)
    f.rename(target)  # Codex moves old sessions to archived_sessions/
    ws.scan()
    assert totals(ws.conn) == before


def test_two_scans_idempotent_daily_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i,
                                                       ts=f"2026-03-0{i}T12:00:00Z") for i in range(1, 5)])
    part1, part2 = _codex_lines()
    write_lines(codex_file(tmp_path / "codex"), part1 + part2)
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    code1, out1, err1 = run_cli(capsys, "daily", "--json", "--tz", "UTC")
    code2, out2, err2 = run_cli(capsys, "daily", "--json", "--tz", "UTC")
    assert code1 == code2 == 0, (err1, err2)
    assert out1 == out2
    assert out1.strip() != "[]"
    code3, out3, _ = run_cli(capsys, "scan", "--json")
    assert code3 == 0
    import json

    summary = json.loads(out3)
    assert summary["bytes_read"] == 0 and summary["calls_new"] == 0 and summary["calls_updated"] == 0
