"""Source health as the scans keep it: each state a source can be in (folder missing, folder empty, files but no
calls, calls, went quiet after a format change), the lines skipped per scan by reason, the went-quiet rule's
edges, one transaction with the files, and a source the registry does not know getting all of it unchanged."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from helpers import claude_line, write_lines
from tokenpulse.clock import FakeClock
from tokenpulse.config.paths import resolve
from tokenpulse.ingest.health import MAX_REASON_CHARS, MAX_SKIP_SCANS, Learned, learn
from tokenpulse.ingest.scanner import Scanner
from tokenpulse.insights.source_health import QUIET_AFTER_MS, STALE_AFTER_MS, QuietSource, quiet_sources
from tokenpulse.presenters import text
from tokenpulse.presenters.source_health import SourceReport
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.snapshot import build
from tokenpulse.sources.walk import WalkErrors, walk_files
from tokenpulse.store.db import connect
from tokenpulse.store.health import read_health
from tokenpulse.store.ledger import Ledger
from tokenpulse.usage import ApiCall
from tokenpulse.workspace import Workspace

HOUR = 3_600_000
T0 = 1_790_000_000_000  # 2026-09-21 14:13:20 UTC


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _new_format(n: int, ms: int) -> str:
    """An assistant record as a later agent version might write it: the counts moved to a key we do not read,
    so the parser passes over it without a word (the silent zero this feature is about)."""
    return json.dumps({"type": "assistant", "sessionId": "sess-1", "timestamp": _iso(ms), "requestId": f"r-new{n}",
                       "message": {"id": f"m-new{n}", "model": "claude-x", "tokens": {"in": 5, "out": 3}}})


def _touch(path: Path, ms: int) -> None:
    os.utime(path, ns=(ms * 1_000_000, ms * 1_000_000))


def _append(path: Path, lines: list[str], mtime_ms: int) -> None:
    write_lines(path, lines, mode="a")
    _touch(path, mtime_ms)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def ws(tmp_path: Path, clock: FakeClock) -> Iterator[Workspace]:
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "no-codex")}
    workspace = Workspace(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", clock=clock,
                          sources=["claude-code", "codex"])
    try:
        yield workspace
    finally:
        workspace.close()


def _report(ws: Workspace, name: str = "claude-code") -> SourceReport:
    return {r.name: r for r in ws.source_reports(ws.clock.now_ms())}[name]


# --- the states -------------------------------------------------------------------------------------------

def test_folder_missing(ws: Workspace, tmp_path: Path) -> None:
    ws.scan()
    codex = _report(ws, "codex")
    assert codex.state == "missing"
    assert [(f.path, f.state) for f in codex.folders] == [(tmp_path / "no-codex/sessions", "missing"),
                                                          (tmp_path / "no-codex/archived_sessions", "missing")]
    assert codex.moved_by == "CODEX_HOME" and codex.files_known == 0 and codex.last_call_ms is None


def test_folder_empty(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "claude/projects").mkdir(parents=True)
    ws.scan()
    claude = _report(ws)
    assert claude.state == "empty"
    assert [f.state for f in claude.folders] == ["exists"]
    assert read_health(ws.conn) == {}  # nothing seen, nothing written


def test_files_but_no_calls_with_the_skipped_lines_counted_by_reason(ws: Workspace, tmp_path: Path) -> None:
    log = tmp_path / "claude/projects/p/s.jsonl"
    write_lines(log, [json.dumps({"type": "user", "message": {"role": "user", "content": "hi"}}), "{torn",
                      _new_format(1, T0 - HOUR), "{also torn"])
    _touch(log, T0 - HOUR)
    summary = ws.scan()
    assert summary.calls_new == 0
    claude = _report(ws)
    assert claude.state == "no_calls"
    assert (claude.files_known, claude.files_gone, claude.last_call_ms) == (1, 0, None)
    assert claude.last_change_ms == T0 - HOUR
    assert claude.skips == ((T0, (("torn or malformed JSON line", 2),)),)


def test_calls_are_counted_with_the_last_call_and_when_it_was_counted(ws: Workspace, tmp_path: Path,
                                                                      clock: FakeClock) -> None:
    log = tmp_path / "claude/projects/p/s.jsonl"
    write_lines(log, [claude_line(msg_id="m1", req_id="r1", ts=_iso(T0 - 3 * HOUR)),
                      claude_line(msg_id="m2", req_id="r2", ts=_iso(T0 - 2 * HOUR))])
    _touch(log, T0 - 2 * HOUR)
    ws.scan()
    claude = _report(ws)
    assert claude.state == "counting"
    assert (claude.last_call_ms, claude.last_counted_ms, claude.last_change_ms) == (T0 - 2 * HOUR, T0, T0 - 2 * HOUR)
    assert claude.skips == () and claude.files_known == 1
    clock.advance(600)  # a quiet re-scan changes nothing: nothing was read
    ws.scan()
    assert _report(ws).last_counted_ms == T0


def test_a_deleted_file_is_counted_as_gone(ws: Workspace, tmp_path: Path) -> None:
    logs = [write_lines(tmp_path / f"claude/projects/p/s{i}.jsonl", [claude_line(msg_id=f"m{i}", req_id=f"r{i}")])
            for i in range(2)]
    ws.scan()
    logs[0].unlink()
    ws.scan()
    assert (_report(ws).files_known, _report(ws).files_gone) == (1, 1)


# --- went quiet ---------------------------------------------------------------------------------------------

def test_went_quiet_after_a_format_change_and_back_at_the_next_counted_call(ws: Workspace, tmp_path: Path,
                                                                           clock: FakeClock) -> None:
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", ts=_iso(T0 - HOUR))])
    _touch(log, T0 - HOUR)
    ws.scan()
    # the agent updates itself: from now on its lines carry counts where the parser does not look
    clock.set(datetime.fromtimestamp((T0 + 2 * HOUR) / 1000, tz=UTC))
    _append(log, [_new_format(1, T0 + 2 * HOUR)], T0 + 2 * HOUR)
    ws.scan_paths([log])  # the watcher's way
    claude = _report(ws)
    assert (claude.state, claude.quiet_since_ms) == ("counting", T0 + 2 * HOUR)
    clock.set(datetime.fromtimestamp((T0 + 25 * HOUR) / 1000, tz=UTC))
    _append(log, [_new_format(2, T0 + 2 * HOUR + QUIET_AFTER_MS - 1)], T0 + 2 * HOUR + QUIET_AFTER_MS - 1)
    ws.scan()
    assert _report(ws).state == "counting"  # a millisecond short of a day of changes
    _append(log, [_new_format(3, T0 + 2 * HOUR + QUIET_AFTER_MS)], T0 + 2 * HOUR + QUIET_AFTER_MS)
    ws.scan()
    claude = _report(ws)
    assert claude.state == "quiet" and claude.went_quiet
    assert (claude.last_call_ms, claude.quiet_since_ms) == (T0 - HOUR, T0 + 2 * HOUR)
    now = clock.now_ms()
    assert quiet_sources(ws.conn, now) == (QuietSource("claude-code", "Claude Code", T0 - HOUR, T0 + 2 * HOUR),)
    snap = build(ws.conn, now, ZoneInfo("UTC"))
    assert text.quiet_lines(snap, short=True) == ["Claude Code went quiet: no calls since 21 Sep"]
    assert "Claude Code went quiet: no calls since 21 Sep" in text.status_lines(snap)
    # an update of tokenpulse reads the agent again (here: the agent writes the old shape again)
    clock.advance(3600)
    _append(log, [claude_line(msg_id="m9", req_id="r9", ts=_iso(clock.now_ms()))], clock.now_ms())
    ws.scan_paths([log])
    claude = _report(ws)
    assert (claude.state, claude.quiet_since_ms, claude.last_call_ms) == ("counting", None, clock.now_ms())
    assert build(ws.conn, clock.now_ms(), ZoneInfo("UTC")).quiet_sources == ()


def test_quiet_is_found_by_a_first_scan_of_files_written_over_days(ws: Workspace, tmp_path: Path) -> None:
    """A scan run once a week sees the week's changes: times are the files', not the scan's."""
    old = write_lines(tmp_path / "claude/projects/p/old.jsonl", [claude_line(msg_id="m1", ts=_iso(T0 - 72 * HOUR))])
    _touch(old, T0 - 72 * HOUR)
    for i, age in enumerate((50, 30, 2)):
        new = write_lines(tmp_path / f"claude/projects/p/new{i}.jsonl", [_new_format(i, T0 - age * HOUR)])
        _touch(new, T0 - age * HOUR)
    ws.scan()
    claude = _report(ws)
    assert claude.state == "quiet"
    assert (claude.quiet_since_ms, claude.last_change_ms) == (T0 - 50 * HOUR, T0 - 2 * HOUR)


def test_files_without_calls_older_than_the_last_call_do_not_start_a_streak(ws: Workspace, tmp_path: Path) -> None:
    """Chats opened and left without a request, before the newest call, are not a format change."""
    for i, age in enumerate((90, 60)):
        empty = write_lines(tmp_path / f"claude/projects/p/e{i}.jsonl", [json.dumps({"type": "summary"})])
        _touch(empty, T0 - age * HOUR)
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", ts=_iso(T0 - 2 * HOUR))])
    _touch(log, T0 - 2 * HOUR)
    ws.scan()
    claude = _report(ws)
    assert (claude.state, claude.quiet_since_ms) == ("counting", None)


def test_a_source_that_never_counted_a_call_does_not_go_quiet(ws: Workspace, tmp_path: Path) -> None:
    for i, age in enumerate((50, 2)):
        new = write_lines(tmp_path / f"claude/projects/p/n{i}.jsonl", [_new_format(i, T0 - age * HOUR)])
        _touch(new, T0 - age * HOUR)
    ws.scan()
    assert _report(ws).state == "no_calls"  # said as such: it never spoke, so it cannot have gone quiet


def test_a_quiet_source_whose_files_stopped_changing_for_a_week_is_no_longer_flagged(
        ws: Workspace, tmp_path: Path, clock: FakeClock) -> None:
    old = write_lines(tmp_path / "claude/projects/p/old.jsonl", [claude_line(msg_id="m1", ts=_iso(T0 - 72 * HOUR))])
    _touch(old, T0 - 72 * HOUR)
    for i, age in enumerate((50, 1)):
        new = write_lines(tmp_path / f"claude/projects/p/new{i}.jsonl", [_new_format(i, T0 - age * HOUR)])
        _touch(new, T0 - age * HOUR)
    ws.scan()
    assert _report(ws).state == "quiet"
    clock.set(datetime.fromtimestamp((T0 - HOUR + STALE_AFTER_MS) / 1000, tz=UTC))
    assert _report(ws).state == "quiet"
    clock.advance(1)
    assert _report(ws).state == "counting"  # the agent is no longer in use: nothing to warn about


# --- skipped lines per scan ---------------------------------------------------------------------------------

def test_skipped_lines_are_kept_per_scan_for_the_last_scans(ws: Workspace, tmp_path: Path, clock: FakeClock) -> None:
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m0")])
    ws.scan()
    for n in range(1, MAX_SKIP_SCANS + 3):
        clock.advance(60)
        write_lines(log, ["{torn"] * n + [claude_line(msg_id=f"m{n}", req_id=f"r{n}")], mode="a")
        ws.scan()
    clock.advance(60)
    write_lines(log, [json.dumps({"type": "user"})], mode="a")  # a scan that skips nothing is not listed
    ws.scan()
    skips = _report(ws).skips
    assert len(skips) == MAX_SKIP_SCANS
    assert skips[0] == (T0 + 60_000 * (MAX_SKIP_SCANS + 2), (("torn or malformed JSON line", MAX_SKIP_SCANS + 2),))
    assert skips[-1] == (T0 + 60_000 * 3, (("torn or malformed JSON line", 3),))
    assert _report(ws).skipped_by_reason() == [("torn or malformed JSON line", sum(range(3, MAX_SKIP_SCANS + 3)))]


def test_a_scan_spanning_groups_is_one_entry_and_a_long_reason_is_cut() -> None:
    from tokenpulse.store.health import HealthRow

    row = HealthRow("x", recent_skips=[(T0 - 1, {"older scan": 1})])
    learn(row, Learned(skipped=Counter({"a": 2, "b" * 500: 1})), None, T0, T0)
    learn(row, Learned(skipped=Counter({"a": 3})), None, T0, T0, scan_listed=True)  # the scan's next group
    assert row.recent_skips == [(T0 - 1, {"older scan": 1}), (T0, {"a": 5, "b" * MAX_REASON_CHARS: 1})]


def test_an_unreadable_file_is_a_skip_of_its_source(ws: Workspace, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line()])
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any) -> int:  # as a file of another user would (root reads any)
        if str(path) == str(log):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr("tokenpulse.ingest.linefile.os.open", refuse)
    ws.scan()
    assert _report(ws).skips[0][1] == (("unreadable file", 1),)
    assert _report(ws).state == "no_calls"  # a file was there, not read: not an empty folder


# --- one transaction with the files ---------------------------------------------------------------------------

def test_health_is_written_in_the_files_transaction(ws: Workspace, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(), "{torn"])

    def refuse(conn: sqlite3.Connection, rows: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("tokenpulse.ingest.health.save_health", refuse)
    with pytest.raises(sqlite3.OperationalError):
        ws.scan()
    counts = [ws.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("source_file", "api_call", "source_health")]
    assert counts == [0, 0, 0]  # the calls and cursors went with the health rows: the next scan reads it all
    monkeypatch.undo()
    ws.scan()
    assert _report(ws).state == "counting" and _report(ws).skips[0][1] == (("torn or malformed JSON line", 1),)


# --- a source nobody told this feature about ------------------------------------------------------------------

class _Parser:
    def __init__(self, path: Path) -> None:
        self.skipped: Counter[str] = Counter()
        self._path = path
        self.usage_records = 0
        self.duplicates = 0

    def feed(self, line: bytes) -> ApiCall | None:
        record = json.loads(line)
        if "out" not in record:
            self.skipped["line of \x1b[31mred\x1b[0m <b>shape</b>"] += 1  # a reason as hostile as a log line
            return None
        self.usage_records += 1
        return ApiCall(source="made-up", session_key="s", ts_ms=record["ts"], model="m-1", output=record["out"],
                       dedupe_key=f"{self._path}:{record['ts']}".encode())

    def state(self) -> dict[str, Any]:
        return {}


class MadeUpSource:
    name = "made-up"
    label = "Made-up Agent"
    env_var = "MADE_UP_DIR"

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        return [Path(env[self.env_var])]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, lambda name: name.endswith(".log"), errors)

    def owns(self, path: Path) -> bool:
        return path.name.endswith(".log")

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> _Parser:
        return _Parser(path)


def test_a_source_the_registry_does_not_know_gets_the_same_health(tmp_path: Path, clock: FakeClock) -> None:
    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")
    try:
        ledger = Ledger(conn)
        scanner = Scanner(ledger, [MadeUpSource()], Pricer(ledger), clock, env={"MADE_UP_DIR": str(tmp_path / "m")},
                          home=tmp_path)
        log = write_lines(tmp_path / "m/a.log", [json.dumps({"ts": T0 - 80 * HOUR, "out": 3})])
        _touch(log, T0 - 80 * HOUR)
        scanner.scan()
        for age in (40, 1):
            _append(log, [json.dumps({"ts": T0 - age * HOUR, "tokens": 3})], T0 - age * HOUR)
            scanner.scan()
        row = read_health(conn)["made-up"]
        assert (row.last_call_ms, row.counted_change_ms, row.quiet_since_ms) == (T0 - 80 * HOUR, T0 - 80 * HOUR,
                                                                                 T0 - 40 * HOUR)
        assert [reasons for _at, reasons in row.recent_skips] == [{"line of \x1b[31mred\x1b[0m <b>shape</b>": 1}] * 2
        assert quiet_sources(conn, clock.now_ms()) == (
            QuietSource("made-up", "made-up", T0 - 80 * HOUR, T0 - 40 * HOUR),)  # no label known: its name
    finally:
        conn.close()
