"""End to end through Workspace.scan: hostile files of every agent never raise and the store holds only counts."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import prop_records_more_agents as more
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prop_agents import BY_ID, LineAgent, file_names
from prop_checks import SETTINGS, TS_MAX_MS, TS_MIN_MS, calls_of, feed_all
from prop_hostile import bad_counts, mutate, to_line

from helpers import make_workspace
from tokenpulse.sources.opencode.database import read_database
from tokenpulse.usage import MAX_TOKENS

pytestmark = pytest.mark.slow  # each example is a real scan with its commit and refresh

COUNT_COLUMNS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning")
E2E = settings(SETTINGS, max_examples=50)  # each example is a real scan, commit and rollup refresh


class Home:
    """One workspace for all examples of a test (a new one per example costs a migrated database each).
    Each example writes into folders of its own and deletes the previous example's, so a scan walks only its
    own files (the ledger keeps the calls of files that went away, and notes them as missing)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "nohome"
        self.ws = make_workspace(root, claude=root / "claude", codex=root / "codex")
        self.examples = 0

    def next_example(self) -> None:
        for agent in ("claude-code", "codex", "gemini", "qwen", "copilot-cli", "opencode", "pi-agent", "openclaw", "kimi"):
            shutil.rmtree(self.folder_for(agent), ignore_errors=True)
        self.opencode_db().unlink(missing_ok=True)
        self.examples += 1

    def opencode_db(self) -> Path:
        return self.home / ".local" / "share" / "opencode" / f"opencode-n{self.examples}.db"

    def folder_for(self, agent: str) -> Path:
        home, n = self.home, f"n{self.examples}"
        return {
            "claude-code": self.root / "claude" / "projects" / f"-home-u-{n}",
            "codex": self.root / "codex" / "sessions" / "2026" / "03" / n,
            "gemini": home / ".gemini" / "tmp" / n / "chats",
            "qwen": home / ".qwen" / "projects" / n / "chats",
            "copilot-cli": home / ".copilot" / "otel" / n,
            "opencode": home / ".local" / "share" / "opencode" / "storage" / "message" / n,
            "pi-agent": home / ".pi" / "agent" / "sessions" / f"--{n}--",
            "openclaw": home / ".openclaw" / "agents" / n / "sessions",
            "kimi": home / ".kimi" / "sessions" / n / "session-1",  # exactly `<hash>/<session>/wire.jsonl`
        }[agent]


@pytest.fixture(scope="module")
def home() -> Iterator[Home]:
    with tempfile.TemporaryDirectory(prefix="tp-scan-") as name:
        box = Home(Path(name))
        try:
            yield box
        finally:
            box.ws.close()


def _write(path: Path, lines: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(b"".join(line + b"\n" for line in lines))
    return path


def _file(folder: Path, name: str) -> Path:
    # names from `file_names` may hold bytes that are not UTF-8: build the path as bytes, like the agent would
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + os.fsencode(name)))


def _store_is_sane(conn: sqlite3.Connection) -> None:
    for column in COUNT_COLUMNS:
        bad = conn.execute(f"SELECT count(*) FROM api_call WHERE typeof({column}) != 'integer'"
                           f" OR {column} < 0 OR {column} > ?", (MAX_TOKENS,)).fetchone()[0]
        assert bad == 0, f"{bad} stored {column} values are not counts"
    assert conn.execute("SELECT count(*) FROM api_call WHERE reasoning > output").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM api_call WHERE typeof(ts_ms) != 'integer' OR ts_ms < ? OR ts_ms > ?",
                        (TS_MIN_MS, TS_MAX_MS)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM api_call WHERE cost_usd IS NOT NULL AND"
                        " (typeof(cost_usd) != 'real' OR cost_usd < 0 OR cost_usd != cost_usd)").fetchone()[0] == 0


def _stored_keys(conn: sqlite3.Connection) -> set[bytes]:
    return {row[0] for row in conn.execute("SELECT dedupe_key FROM api_call")}


LINE_AGENTS = [a for n, a in BY_ID.items() if not n.endswith("-otlp")]


@st.composite
def line_files(draw: st.DrawFn, agent: LineAgent) -> tuple[list[bytes], list[bytes], list[bytes], str]:
    """(clean lines, the same with state-neutral garbage among them, a file of anything, a file name)."""
    clean = [to_line(r) for r in draw(agent.session)]
    dirty = list(clean)
    for junk in draw(st.lists(agent.garbage, max_size=4)):
        dirty.insert(draw(st.integers(0, 2**16)) % (len(dirty) + 1), junk)
    hostile = draw(st.lists(agent.hostile_line, max_size=5))
    return clean, dirty, hostile, draw(file_names)


def _gemini_document(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(a chat document with broken messages among good ones, a document mutated anywhere)."""
    document, _ = draw(more.gemini_document())
    messages = list(document["messages"])
    for junk in draw(st.lists(st.one_of(st.none(), st.integers(), bad_counts.map(lambda v: {"type": "gemini",
                                                                                            "tokens": {"input": v}})),
                              max_size=3)):
        messages.insert(draw(st.integers(0, 2**16)) % (len(messages) + 1), junk)
    return to_line(dict(document, messages=messages)), to_line(mutate(draw, document, max_mutations=5))


@E2E
@given(data=st.data())
def test_scans_of_hostile_files_never_raise_and_store_only_counts(home: Home, data: st.DataObject) -> None:
    home.next_example()
    expected: set[bytes] = set()
    for agent in LINE_AGENTS:
        clean, dirty, hostile, name = data.draw(line_files(agent))
        folder = home.folder_for(agent.name)
        if agent.fixed_file_name:  # the agent reads one file name only: the hostile one is another session's
            path = _write(folder / Path(agent.file_name).name, dirty)
            _write(folder.parent / "session-2" / Path(agent.file_name).name, hostile)
        else:
            path = _write(_file(folder, name), dirty)
            _write(folder / "anything.jsonl", hostile)
        # the keys one clean read of this very file gives: each must reach the store whatever lies beside it
        expected |= {c.dedupe_key for c in calls_of(feed_all(agent.parser(path), clean, agent.name))}
    good_doc, any_doc = _gemini_document(data.draw)
    _write(home.folder_for("gemini") / "session-2026-03-01T10-00-good.json", [good_doc])
    _write(home.folder_for("gemini") / "session-2026-03-01T10-01-any.json", [any_doc])
    message = mutate(data.draw, data.draw(more.opencode_usage).record, max_mutations=4)
    _write(home.folder_for("opencode") / "msg_hostile.json", [to_line(message, ascii_only=data.draw(st.booleans()))])

    summary = home.ws.scan()

    assert summary is not None
    assert all(type(n) is int and n > 0 for n in summary.skipped.values()), summary.skipped
    _store_is_sane(home.ws.conn)
    missing = expected - _stored_keys(home.ws.conn)
    assert not missing, f"{len(missing)} valid calls beside garbage never reached the store: {summary.problems}"


def _opencode_db(path: Path, rows: list[tuple[str, str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")  # a throwaway file: no need to wait for the disk
    conn.execute("CREATE TABLE message (id text PRIMARY KEY, session_id text, time_created integer,"
                 " time_updated integer, data text)")
    conn.executemany("INSERT INTO message VALUES (?, ?, 0, 0, ?)", rows)
    conn.commit()
    conn.close()
    return path


@E2E
@given(data=st.data())
def test_a_hostile_opencode_database_costs_its_good_rows_nothing(home: Home, data: st.DataObject) -> None:
    home.next_example()
    session = f"ses_{home.examples}"  # a chat per example, as a chat spanning all of them costs every scan more
    good = [(f"good{home.examples}-{i}", session, json.dumps(more.opencode_record(data.draw).record))
            for i in range(data.draw(st.integers(1, 3)))]
    bad = [(f"bad{home.examples}-{i}", session, to_line(mutate(data.draw, e.record, max_mutations=5)).decode(
        "utf-8", "replace")) for i, e in enumerate(data.draw(st.lists(more.opencode_usage, max_size=3)))]
    expected = {c.dedupe_key for c in read_database(_opencode_db(home.root / f"clean{home.examples}.db", good),
                                                    None)[0].calls}
    db = _opencode_db(home.opencode_db(), good + bad)
    conn = sqlite3.connect(db)  # a row whose TEXT is not UTF-8, which sqlite3 cannot even bind
    conn.execute(f"INSERT INTO message VALUES ('utf8-{home.examples}', '{session}', 0, 0, CAST(x'7bff7d' AS TEXT))")
    conn.commit()
    conn.close()

    summary = home.ws.scan()

    assert summary is not None and "unreadable database" not in summary.skipped, summary.problems
    _store_is_sane(home.ws.conn)
    assert expected <= _stored_keys(home.ws.conn)
