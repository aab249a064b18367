"""Log chaos: rotation, truncation, in-place rewrites, renames, delete + recreate, clocks that jump back.

Already covered in tests/ingest/test_incremental.py (not repeated here): a half-written line, appends and a no-op
rescan, a file rewritten shorter, a same-length rewrite of the last line, an early-bytes rewrite plus an append
(tolerated either way), delete (and the same file restored), renames (Claude, Codex to archived_sessions), Codex
state across appends. The ledger is append-only: a call once read stays counted whatever happens to its log.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from helpers import (
    claude_line,
    claude_user_line,
    codex_file,
    codex_meta,
    codex_tc,
    codex_turn,
    make_workspace,
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


def _calls(prefix: str, n: int, output: int = 10, **kw: object) -> list[str]:
    return [claude_line(msg_id=f"{prefix}{i}", req_id=f"r{prefix}{i}", output=output, **kw) for i in range(n)]


def _bump_mtime(path: Path, seconds: int = 5) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def _rewrite_in_place(path: Path, data: bytes) -> None:
    """Same inode: what an editor or an agent that truncates and writes does."""
    ino = path.stat().st_ino
    with open(path, "r+b") as fh:
        fh.write(data)
        fh.truncate(len(data))
    assert path.stat().st_ino == ino


def _replace_atomically(path: Path, data: bytes) -> None:
    """New inode under the same name: write a temporary file and rename it over (how many tools save)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _lines(*groups: list[str]) -> bytes:
    return b"".join(line.encode() + b"\n" for group in groups for line in group)


@pytest.mark.parametrize("rotated_name", ["s.1.jsonl", "s.jsonl.1"], ids=["still-jsonl", "out-of-pattern"])
def test_rotated_log_and_its_fresh_successor(tmp_path: Path, ws, rotated_name: str) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", _calls("a", 5))
    ws.scan()
    write_lines(f, _calls("b", 2), mode="a")  # written just before rotation, never scanned under the old name
    f.rename(f.with_name(rotated_name))
    write_lines(f, _calls("c", 3))  # the successor: same name, new inode, new content
    ws.scan()
    t = totals(ws.conn)
    if rotated_name.endswith(".jsonl"):
        assert (t["calls"], t["output"]) == (10, 100)
    else:  # a rotated name outside the log pattern is not read: its unread tail is not ours to see
        assert (t["calls"], t["output"]) == (8, 80)
    ws.scan()
    assert totals(ws.conn) == t


def test_truncated_then_regrown_past_the_cursor_before_the_next_scan(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", _calls("a", 4))
    ws.scan()
    _rewrite_in_place(f, _lines(_calls("b", 9)))  # longer than before, same inode, other content
    s = ws.scan()
    assert s.files_reread == 1
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (13, 130)


def test_rewritten_longer_in_place_keeping_its_history(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    """Claude Code rewriting a transcript on resume/compaction: old lines kept, a summary inserted, more appended."""
    history = _calls("a", 6)
    f = write_lines(tmp_path / P / "s.jsonl", history)
    ws.scan()
    summary = [claude_user_line("This session is being continued from a previous conversation ...")]
    _rewrite_in_place(f, _lines(history[:3], summary, history[3:], _calls("b", 4)))
    ws.scan()
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (10, 100)


def test_rewritten_with_lines_removed_and_added_atomically(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    history = _calls("a", 6)
    f = write_lines(tmp_path / P / "s.jsonl", history)
    ws.scan()
    _replace_atomically(f, _lines(history[4:], _calls("b", 2)))  # compaction dropped four old lines
    ws.scan()
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (8, 80)


def test_deleted_and_recreated_with_other_content(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", _calls("a", 5))
    ws.scan()
    f.unlink()
    assert ws.scan().files_missing == 1
    write_lines(f, _calls("b", 3))
    ws.scan()
    f.unlink()
    write_lines(f, _calls("c", 7))  # gone and back between two scans
    ws.scan()
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (15, 150)


def test_renamed_and_old_name_reused(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    f = write_lines(tmp_path / P / "s.jsonl", _calls("a", 5))
    ws.scan()
    f.rename(f.with_name("t.jsonl"))
    write_lines(f.with_name("t.jsonl"), _calls("b", 1), mode="a")
    write_lines(f, _calls("c", 2))
    ws.scan()
    t = totals(ws.conn)
    assert (t["calls"], t["output"]) == (8, 80)


def test_file_clock_set_back(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    """The machine's clock jumps back: a file's mtime goes backwards while it keeps growing."""
    f = write_lines(tmp_path / P / "s.jsonl", _calls("a", 3))
    ws.scan()
    before = f.stat().st_mtime_ns
    write_lines(f, _calls("b", 2), mode="a")
    os.utime(f, ns=(before - 3600 * 10**9, before - 3600 * 10**9))
    ws.scan()
    assert totals(ws.conn)["calls"] == 5
    write_lines(f, _calls("c", 1), mode="a")
    os.utime(f, ns=(before - 7200 * 10**9, before - 7200 * 10**9))
    ws.scan()
    assert totals(ws.conn)["calls"] == 6


def test_call_timestamps_jump_back(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    stamps = ["2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z", "2026-03-01T09:00:00Z", "2026-03-02T10:06:00Z"]
    write_lines(tmp_path / P / "s.jsonl", [claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=i + 1, ts=ts)
                                          for i, ts in enumerate(stamps)])
    write_lines(codex_file(tmp_path / "codex"), [
        codex_turn("2026-03-02T10:00:00Z"),
        codex_tc("2026-03-02T10:00:01Z", usage(100, 0, 10), usage(100, 0, 10)),
        codex_tc("2026-03-01T08:00:00Z", usage(250, 0, 25), usage(150, 0, 15)),  # clock set back an entire day
        codex_tc("2026-03-02T10:00:09Z", usage(300, 0, 30), usage(50, 0, 5))])
    ws.scan()
    days = dict(ws.conn.execute("SELECT date(ts_ms / 1000, 'unixepoch'), count(*) FROM api_call GROUP BY 1"))
    assert days == {"2026-03-01": 2, "2026-03-02": 5}
    assert (totals(ws.conn, "codex")["output"], totals(ws.conn, "claude-code")["output"]) == (30, 10)


def test_codex_rollout_rewritten_with_the_same_history_and_more(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    first = [codex_turn("2026-03-01T10:00:00Z"), codex_tc("2026-03-01T10:00:01Z", usage(100, 0, 10), usage(100, 0, 10)),
             codex_tc("2026-03-01T10:00:05Z", usage(250, 0, 25), usage(150, 0, 15))]
    more = [codex_tc("2026-03-01T10:00:09Z", usage(400, 0, 40), usage(150, 0, 15))]
    f = write_lines(codex_file(tmp_path / "codex"), first)
    ws.scan()
    _replace_atomically(f, _lines(first, more))
    ws.scan()
    c = totals(ws.conn, "codex")
    assert (c["calls"], c["input"], c["output"]) == (3, 400, 40)


# ---------------------------------------------------------------------------------------------
# Weak spots found by review, each fixed (RELIABILITY.md lists them)
# ---------------------------------------------------------------------------------------------

FILLER = claude_user_line("x" * 120)  # a line longer than the 64-byte tail fingerprint, the same in both versions


def test_same_size_rewrite_hiding_a_new_call_before_the_tail(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    old = claude_line(msg_id="m1", req_id="r1", output=10)
    f = write_lines(tmp_path / P / "s.jsonl", [old, FILLER])
    ws.scan()
    new = claude_line(msg_id="m9", req_id="r9", output=10)
    assert len(new) == len(old)
    _rewrite_in_place(f, _lines([new, FILLER]))  # same size; the last 64 bytes before the cursor unchanged
    _bump_mtime(f)
    ws.scan()
    assert totals(ws.conn)["calls"] == 2  # m9 is a call the store has never seen


def test_longer_rewrite_with_an_early_change_and_the_same_tail(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    old = claude_line(msg_id="m1", req_id="r1", output=10)
    f = write_lines(tmp_path / P / "s.jsonl", [old, FILLER])
    ws.scan()
    new = claude_line(msg_id="m9", req_id="r9", output=10)
    _rewrite_in_place(f, _lines([new, FILLER], _calls("b", 1)))
    ws.scan()
    assert totals(ws.conn)["calls"] == 3


def test_streaming_copies_across_midnight_read_in_two_scans(tmp_path: Path) -> None:
    """How reads are split (a scan between two streaming lines of one call) must not move the call to another day."""
    copies = [claude_line(msg_id="m1", req_id="r1", output=5, ts="2026-03-01T23:59:59.800Z"),
              claude_line(msg_id="m1", req_id="r1", output=500, ts="2026-03-02T00:00:00.400Z")]
    days = []
    for split in (False, True):
        root = tmp_path / str(split)
        f = write_lines(root / P / "s.jsonl", copies[:1] if split else copies)
        w = make_workspace(root, claude=root / "claude")
        try:
            w.scan()
            if split:
                write_lines(f, copies[1:], mode="a")
                w.scan()
            days.append(w.conn.execute("SELECT date(ts_ms / 1000, 'unixepoch'), output FROM api_call").fetchall())
        finally:
            w.close()
    assert days[0] == days[1]


def test_file_name_that_is_not_utf8_does_not_stop_the_scan(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / P / "good.jsonl", _calls("a", 2))
    folder = os.fsencode(tmp_path / P)
    with open(folder + b"/\xff\xfe-odd.jsonl", "wb") as fh:
        fh.write(_lines(_calls("b", 1, session="")))
    ws.scan()
    assert totals(ws.conn)["calls"] >= 2
    ws.scan()


def test_codex_fork_then_clock_set_back(tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    child = codex_file(tmp_path / "codex", name="rollout-2026-03-01T12-00-00-0199aaaa-0000-7000-8000-00000000000c")
    write_lines(child, [
        codex_meta("2026-03-01T12:00:00Z", "0199aaaa-0000-7000-8000-00000000000c",
                   forked_from="0199aaaa-0000-7000-8000-00000000000p"),
        codex_tc("2026-03-01T11:00:00Z", usage(100, 0, 10), usage(100, 0, 10)),  # replayed parent history
        codex_turn("2026-03-01T12:00:01Z"),
        codex_tc("2026-03-01T12:00:05Z", usage(300, 0, 30), usage(200, 0, 20)),  # the fork's own call
        codex_tc("2026-03-01T11:30:00Z", usage(450, 0, 45), usage(150, 0, 15)),  # own call, clock set back
    ])
    ws.scan()
    assert totals(ws.conn, "codex")["calls"] == 2


# ---------------------------------------------------------------------------------------------
# Seeded random chaos against a model of what the logs held whenever a scan looked
# ---------------------------------------------------------------------------------------------

class _Model:
    """The calls a correct scanner must hold: every complete line present at some scan, largest output per call."""

    def __init__(self) -> None:
        self.files: dict[str, list[tuple[str, int]]] = {}  # name -> complete lines as (key, output)
        self.partial: dict[str, tuple[str, int, bytes]] = {}  # name -> a torn last line still being written
        self.seen: dict[str, int] = {}

    def scanned(self) -> None:
        for lines in self.files.values():
            for key, out in lines:
                self.seen[key] = max(self.seen.get(key, 0), out)

    def expected(self) -> tuple[int, int]:
        return len(self.seen), sum(self.seen.values())


def _line(key: str, out: int) -> bytes:
    return claude_line(msg_id=key, req_id="r" + key, output=out, session="chaos").encode() + b"\n"


def _write(folder: Path, name: str, model: _Model, *, in_place: bool = True) -> None:
    data = b"".join(_line(k, o) for k, o in model.files[name])
    torn = model.partial.get(name)
    if torn is not None:
        data += torn[2]
    path = folder / name
    if in_place and path.exists():
        _rewrite_in_place(path, data)
    else:
        _replace_atomically(path, data) if path.exists() else path.write_bytes(data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_chaos_never_loses_or_double_counts(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    folder = tmp_path / P
    folder.mkdir(parents=True)
    model = _Model()
    next_key = 0
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    ops = {"append": 0, "stream": 0, "torn": 0, "truncate": 0, "rewrite": 0, "replace": 0, "delete": 0,
           "rename": 0, "scan": 0}
    try:
        for _step in range(160):
            names = sorted(model.files)
            op = rng.choice(["append", "append", "stream", "torn", "truncate", "rewrite", "replace", "delete",
                             "rename", "scan", "scan"]) if names else "append"
            ops[op] += 1
            name = rng.choice(names) if names else f"f{rng.randrange(10**6)}.jsonl"
            if op == "append":  # the agent finishes the line it was writing, then writes new ones
                model.files.setdefault(name, [])
                delta = b""
                torn = model.partial.pop(name, None)
                if torn is not None:
                    model.files[name].append((torn[0], torn[1]))
                    delta += _line(torn[0], torn[1])[len(torn[2]):]
                for _ in range(rng.randint(1, 4)):
                    next_key += 1
                    model.files[name].append((f"k{next_key}", rng.randint(1, 1000)))
                    delta += _line(*model.files[name][-1])
                with open(folder / name, "ab") as fh:
                    fh.write(delta)
            elif op == "stream" and model.files[name]:  # a later, larger streaming copy of a call in this file
                key, out = rng.choice(model.files[name])
                model.files[name].append((key, out + rng.randint(1, 500)))
                _write(folder, name, model)
            elif op == "torn" and name not in model.partial:
                next_key += 1
                whole = _line(f"k{next_key}", rng.randint(1, 1000))
                model.partial[name] = (f"k{next_key}", int(whole.split(b'"output_tokens": ')[1].split(b",")[0]),
                                       whole[:rng.randint(1, len(whole) - 2)])
                _write(folder, name, model)
            elif op == "truncate" and model.files[name]:
                model.files[name] = model.files[name][:rng.randrange(len(model.files[name]))]
                model.partial.pop(name, None)
                _write(folder, name, model)
            elif op in ("rewrite", "replace"):  # keep some lines, drop some, insert new ones anywhere
                kept = [ln for ln in model.files[name] if rng.random() < 0.7]
                for _ in range(rng.randint(0, 3)):
                    next_key += 1
                    kept.insert(rng.randint(0, len(kept)), (f"k{next_key}", rng.randint(1, 1000)))
                if len(kept) == len(model.files[name]) and kept:  # a same-size in-place rewrite is the known
                    next_key += 1                                   # weak spot (tested above): keep sizes apart
                    kept.append((f"k{next_key}", 7))
                model.files[name] = kept
                model.partial.pop(name, None)
                _write(folder, name, model, in_place=op == "rewrite")
            elif op == "delete":
                (folder / name).unlink()
                del model.files[name]
                model.partial.pop(name, None)
            elif op == "rename":
                target = f"f{rng.randrange(10**6)}.jsonl"
                if target not in model.files:
                    (folder / name).rename(folder / target)
                    model.files[target] = model.files.pop(name)
                    if name in model.partial:
                        model.partial[target] = model.partial.pop(name)
            if op == "scan" or rng.random() < 0.15:
                ws.scan()
                model.scanned()
                t = totals(ws.conn)
                assert (t["calls"], t["output"]) == model.expected(), (seed, _step, op, ops)
        ws.scan()
        model.scanned()
        t = totals(ws.conn)
        assert (t["calls"], t["output"]) == model.expected()
        assert model.expected()[0] > 50
    finally:
        ws.close()
