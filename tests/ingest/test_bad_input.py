"""Hostile and broken input: every bad line or file is skipped with a reason, never a crash, never a lost neighbour."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers import claude_line, codex_file, codex_tc, codex_turn, make_workspace, totals, usage, write_lines

P = "claude/projects/-home-u-proj"
GOOD_BEFORE = claude_line(msg_id="m-before", req_id="r-before", output=11)
GOOD_AFTER = claude_line(msg_id="m-after", req_id="r-after", output=22, ts="2026-03-01T11:00:00Z")


def _scan(tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex", **kw)
    try:
        summary = ws.scan()
        return summary, totals(ws.conn)
    finally:
        ws.close()


def _assert_neighbours(t: dict[str, int], extra_calls: int = 0, extra_output: int = 0) -> None:
    assert (t["calls"], t["output"]) == (2 + extra_calls, 33 + extra_output)


@pytest.mark.parametrize("bad", [
    b'{"type":"assistant","message":{"id":"m","usage":{"input_tokens":1,',  # torn
    b'{"type":"assistant","message":{"usage":{}}',  # unbalanced
    b"not json at all",
    b"\x00\x00\x00\x00",
    b'{"type":"assistant","message":{"id":"m","usage":{"output_tokens":5}}}} trailing',
], ids=["torn", "unbalanced", "text", "nul", "trailing"])
def test_malformed_claude_line(tmp_path: Path, bad: bytes) -> None:
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE, bad, GOOD_AFTER])
    summary, t = _scan(tmp_path)
    _assert_neighbours(t)
    assert summary.lines_skipped == 1, summary.skipped
    assert summary.problems == []


@pytest.mark.parametrize("bad", [
    b'{"type":"assistant","message":"usage"}',
    b'{"type":"assistant","message":{"id":"m","usage":[1,2]}}',
    b'["usage"]',
    b'"usage"',
    b'{"type":"assistant","message":{"id":"m","usage":{"input_tokens":1,"cache_creation":7}}}',
], ids=["message-str", "usage-list", "array", "string", "cache-creation-int"])
def test_wrong_shape_claude_line(tmp_path: Path, bad: bytes) -> None:
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE, bad, GOOD_AFTER])
    summary, t = _scan(tmp_path)
    _assert_neighbours(t)
    assert summary.lines_skipped == 1, summary.skipped


@pytest.mark.parametrize("value", ['"12"', "-5", "1.5", "true", "[3]", str(10**13), str(2**64 + 1), "1e3"])
def test_wrong_type_negative_or_huge_counts(tmp_path: Path, value: str) -> None:
    bad = claude_line(msg_id="m-bad", req_id="r-bad", output=999999).replace('"output_tokens": 999999',
                                                                              f'"output_tokens": {value}')
    assert value in bad
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE, bad, GOOD_AFTER])
    summary, t = _scan(tmp_path)
    _assert_neighbours(t)
    assert summary.skipped["invalid token counts"] == 1


@pytest.mark.parametrize("ts", ['"yesterday"', "null", '"1970-01-01T00:00:00Z"', "12345"])
def test_bad_timestamp(tmp_path: Path, ts: str) -> None:
    bad = claude_line(msg_id="m-bad", req_id="r-bad", output=5).replace('"timestamp": "2026-03-01T10:00:00.000Z"',
                                                                         f'"timestamp": {ts}')
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE, bad, GOOD_AFTER])
    summary, t = _scan(tmp_path)
    _assert_neighbours(t)
    assert summary.skipped["missing or invalid timestamp"] == 1


def test_non_utf8_bytes_in_content(tmp_path: Path) -> None:
    """Invalid UTF-8 inside text we never read: the line's usage is still valid (or skipped with a reason)."""
    line = claude_line(msg_id="m-x", req_id="r-x", output=5, text="PLACEHOLDER").encode()
    line = line.replace(b"PLACEHOLDER", b"caf\xe9 \xff\xfe broken")
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE, line, GOOD_AFTER])
    summary, t = _scan(tmp_path)
    assert t["calls"] + summary.lines_skipped == 3
    assert t["output"] in (33, 38)


@pytest.mark.parametrize("field", ["model", "sessionId", "requestId", "type", "cwd"])
def test_non_utf8_bytes_in_a_field_we_read(tmp_path: Path, field: str) -> None:
    """Invalid UTF-8 in a decoded string field must not crash the scan (msgspec raises UnicodeDecodeError)."""
    rec = json.loads(claude_line(msg_id="m-x", req_id="r-x", output=5))
    target = rec["message"] if field == "model" else rec
    target[field] = "PLACEHOLDER"
    line = json.dumps(rec).encode().replace(b"PLACEHOLDER", b"bad\xff\xfename")
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE, line, GOOD_AFTER])
    write_lines(tmp_path / P / "z-later-file.jsonl", [claude_line(msg_id="m-z", req_id="r-z", output=100)])
    summary, t = _scan(tmp_path)
    assert t["output"] - (5 if t["calls"] == 4 else 0) == 133  # neighbours and later files all counted
    assert t["calls"] + summary.lines_skipped == 4


def test_non_utf8_bytes_in_codex_model(tmp_path: Path) -> None:
    bad = codex_turn("2026-03-01T10:00:02Z", model="PLACEHOLDER").encode().replace(b"PLACEHOLDER", b"gpt\xff")
    write_lines(codex_file(tmp_path / "codex"), [
        codex_turn("2026-03-01T10:00:00Z"), codex_tc("2026-03-01T10:00:01Z", usage(100, 0, 10), usage(100, 0, 10)),
        bad, codex_tc("2026-03-01T10:00:03Z", usage(300, 0, 30), usage(200, 0, 20))])
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 30)
    assert summary.lines_skipped == 1


def test_single_100mb_line_skipped_and_counted(tmp_path: Path) -> None:
    f = tmp_path / P / "s.jsonl"
    f.parent.mkdir(parents=True)
    head = b'{"type":"assistant","timestamp":"2026-03-01T10:00:00Z","requestId":"r-huge","message":{"id":"m-huge",' \
           b'"usage":{"input_tokens":1,"output_tokens":777},"content":"'
    with open(f, "wb") as fh:
        fh.write(GOOD_BEFORE.encode() + b"\n")
        fh.write(head)
        block = b"x" * (1 << 20)
        for _ in range(100):
            fh.write(block)
        fh.write(b'"}}\n')
        fh.write(GOOD_AFTER.encode() + b"\n")
    size = f.stat().st_size
    assert size > 100 * (1 << 20)
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        summary = ws.scan()
        t = totals(ws.conn)
        _assert_neighbours(t)
        assert summary.skipped["line longer than 64 MiB"] == 1
        assert summary.bytes_read == size
        again = ws.scan()
        assert again.bytes_read == 0
        write_lines(f, [claude_line(msg_id="m-3", req_id="r-3", output=1)], mode="a")
        more = ws.scan()
        assert more.bytes_read < 1000
        _assert_neighbours(totals(ws.conn), 1, 1)
    finally:
        ws.close()


def _two_folders(tmp_path: Path) -> Path:
    write_lines(tmp_path / P / "s.jsonl", [GOOD_BEFORE])
    locked = tmp_path / "claude/projects/-locked"
    write_lines(locked / "t.jsonl", [GOOD_AFTER])
    return locked


def test_unreadable_folder_chmod(tmp_path: Path) -> None:
    locked = _two_folders(tmp_path)
    write_lines(tmp_path / "claude/projects/-zz/u.jsonl", [claude_line(msg_id="m3", req_id="r3", output=1)])
    locked.chmod(0)
    try:
        summary, t = _scan(tmp_path)
    finally:
        locked.chmod(0o700)
    if os.geteuid() == 0:  # root ignores permissions: the folder is simply read
        _assert_neighbours(t, 1, 1)
    else:
        assert (t["calls"], t["output"]) == (2, 12)
        assert summary.skipped["unreadable folder"] == 1


def test_unreadable_folder_scandir_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = _two_folders(tmp_path)
    write_lines(tmp_path / "claude/projects/-zz/u.jsonl", [claude_line(msg_id="m3", req_id="r3", output=1)])
    real = os.scandir

    def scandir(path=".", *a, **k):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    summary, t = _scan(tmp_path)
    assert (t["calls"], t["output"]) == (2, 12)
    assert summary.skipped["unreadable folder"] == 1
    assert any("Permission denied" in p and "-locked" in p for p in summary.problems)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_lines(tmp_path / P / "a.jsonl", [GOOD_BEFORE])
    bad = write_lines(tmp_path / P / "b.jsonl", [claude_line(msg_id="m3", req_id="r3", output=1)])
    write_lines(tmp_path / P / "c.jsonl", [GOOD_AFTER])
    import tokenpulse.ingest.scanner as scanner_mod

    real_open = os.open

    def fake_open(path, flags, *a, **k):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(bad):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(scanner_mod.os, "open", fake_open)
    summary, t = _scan(tmp_path)
    _assert_neighbours(t)
    assert summary.skipped["unreadable file"] == 1


def test_file_vanishes_between_discovery_and_read(tmp_path: Path) -> None:
    write_lines(tmp_path / P / "a.jsonl", [GOOD_BEFORE])
    gone = write_lines(tmp_path / P / "b.jsonl", [claude_line(msg_id="m3", req_id="r3", output=1)])
    write_lines(tmp_path / P / "c.jsonl", [GOOD_AFTER])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    real = ws.scanner.discover

    def discover(summary=None):  # type: ignore[no-untyped-def]
        found = real(summary)
        gone.unlink()
        return found

    ws.scanner.discover = discover  # type: ignore[method-assign]
    try:
        summary = ws.scan()
        t = totals(ws.conn)
    finally:
        ws.close()
    _assert_neighbours(t)
    assert summary.skipped["file vanished before it was read"] == 1


def test_symlink_loop_and_links_out_of_root_not_followed(tmp_path: Path) -> None:
    proj = tmp_path / P
    write_lines(proj / "s.jsonl", [GOOD_BEFORE, GOOD_AFTER])
    outside = tmp_path / "outside"
    write_lines(outside / "secret.jsonl", [claude_line(msg_id="m-out", req_id="r-out", output=1000)])
    os.symlink(proj, proj / "loop")  # folder loop
    os.symlink(tmp_path / "claude" / "projects", proj / "up")  # loop to the root
    os.symlink(outside, proj / "outdir")  # folder out of the root
    os.symlink(outside / "secret.jsonl", proj / "outfile.jsonl")  # file out of the root
    os.symlink(proj / "s.jsonl", proj / "inside-link.jsonl")  # file link inside the root: read once
    os.symlink(proj / "dangling-target.jsonl", proj / "dangling.jsonl")
    os.symlink("self-loop.jsonl", proj / "self-loop.jsonl")
    summary, t = _scan(tmp_path)
    _assert_neighbours(t)
    assert summary.problems == []


def test_empty_file_then_content(tmp_path: Path) -> None:
    f = tmp_path / P / "s.jsonl"
    f.parent.mkdir(parents=True)
    f.touch()
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        s = ws.scan()
        assert (s.files_seen, totals(ws.conn)["calls"], s.lines_skipped) == (1, 0, 0)
        write_lines(f, [GOOD_BEFORE, "", "   ", GOOD_AFTER], mode="a")  # blank lines are not errors
        s2 = ws.scan()
        _assert_neighbours(totals(ws.conn))
        assert s2.lines_skipped == 0
    finally:
        ws.close()


@pytest.mark.parametrize("bad", [
    codex_tc("2026-03-01T10:00:02Z", info=[1, 2]),
    codex_tc("2026-03-01T10:00:02Z", info={"total_token_usage": "lots"}),
    codex_tc("2026-03-01T10:00:02Z", usage(-5, 0, 1), usage(-5, 0, 1)),
    codex_tc("2026-03-01T10:00:02Z", usage(10**13, 0, 1), usage(10**13, 0, 1)),
    codex_tc("2026-03-01T10:00:02Z", {"input_tokens": "9", "output_tokens": 1}),
    '{"timestamp":"2026-03-01T10:00:02Z","type":"event_msg","payload":"token_count"}',
    '{"timestamp":"2026-03-01T10:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"total_',
    codex_tc("not a time", usage(150, 0, 15), usage(50, 0, 5)),
], ids=["info-list", "total-str", "negative", "huge", "str-count", "payload-str", "torn", "bad-ts"])
def test_codex_bad_lines(tmp_path: Path, bad: str) -> None:
    write_lines(codex_file(tmp_path / "codex"), [
        codex_turn("2026-03-01T10:00:00Z"), codex_tc("2026-03-01T10:00:01Z", usage(100, 0, 10), usage(100, 0, 10)),
        bad, codex_tc("2026-03-01T10:00:03Z", usage(300, 0, 30), usage(200, 0, 20))])
    summary, t = _scan(tmp_path)
    assert summary.lines_skipped == 1, summary.skipped
    if "not a time" in bad:
        # the undatable snapshot is skipped with its reason; whether its 50 tokens fold into the next
        # call's increment (300) or are dropped with the line (250) is a policy choice
        assert t["calls"] == 2 and (t["input"], t["output"]) in ((300, 30), (250, 25))
    else:
        assert (t["calls"], t["input"], t["output"]) == (2, 300, 30)
