"""OpenCode: golden totals on shared/samples/opencode (legacy files, read in place) and the SQLite rules."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import agent_workspace, pick, scan_agent, write_json

from helpers import samples, totals

KEYS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning")

# By hand: each sample has one assistant message with tokens input 1000, output 500, reasoning 0 (or absent),
# cache read 200, write 100. codemie's `step-finish` part repeats those numbers and must not be added.
ONE = {"calls": 1, "input": 1000, "cache_write": 100, "cache_read": 200, "output": 500, "reasoning": 0}
WHOLE = {k: 2 * v for k, v in ONE.items()} | {"reasoning": 0}


def _roots() -> str:
    base = samples("opencode")
    return f"{base / 'codemie__storage'},{base / 'tokscale__storage'}"  # storage folders, read in place


def test_samples_in_place(tmp_path: Path) -> None:
    summary, got = scan_agent(tmp_path, "opencode", opencode=_roots())
    assert pick(got, *KEYS) == WHOLE
    assert summary.usage_records == 2
    assert summary.lines_skipped == 0, summary.skipped


@pytest.mark.parametrize("folder", ["codemie__storage", "tokscale__storage"])
def test_each_sample_counts_the_message_once(tmp_path: Path, folder: str) -> None:
    _, got = scan_agent(tmp_path, "opencode", opencode=samples("opencode") / folder)
    assert pick(got, *KEYS) == ONE  # codemie: not 2× (the step-finish part is never read)


def test_sample_fields(tmp_path: Path) -> None:
    ws = agent_workspace(tmp_path, ["opencode"], opencode=_roots())
    try:
        ws.scan()
        rows = ws.conn.execute("SELECT s.session_key, c.model, c.ts_ms FROM api_call c JOIN chat_session s"
                               " ON s.id = c.session_id ORDER BY c.ts_ms").fetchall()
    finally:
        ws.close()
    assert rows == [("ses_test001", "claude-3-5-sonnet-20241022", 1733011200000),
                    ("test-session-1", "claude-sonnet-4-6", 1737979500000)]


# ---------------------------------------------------------------------------------------------
# The SQLite database (schema of OpenCode's session.sql.ts: message(id, session_id, time_created,
# time_updated, data JSON without id/sessionID), session(id, parent_id, directory, ...))
# ---------------------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE session (id text PRIMARY KEY NOT NULL, project_id text NOT NULL, parent_id text, slug text NOT NULL,
    directory text NOT NULL, title text NOT NULL, version text NOT NULL, time_created integer NOT NULL,
    time_updated integer NOT NULL);
CREATE TABLE message (id text PRIMARY KEY NOT NULL, session_id text NOT NULL, time_created integer NOT NULL,
    time_updated integer NOT NULL, data text NOT NULL);
CREATE INDEX message_session_time_created_id_idx ON message (session_id, time_created, id);
CREATE TABLE part (id text PRIMARY KEY NOT NULL, message_id text NOT NULL, session_id text NOT NULL,
    time_created integer NOT NULL, time_updated integer NOT NULL, data text NOT NULL);
"""
T0 = 1767312000000  # 2026-01-02T00:00:00Z


def _data(i: int, *, out: int = 50, reasoning: int = 0, done: bool = True, inp: int = 100) -> str:
    time: dict[str, int] = {"created": T0 + i * 1000}
    if done:
        time["completed"] = T0 + i * 1000 + 500
    return json.dumps({"role": "assistant", "parentID": f"msg_u{i}", "modelID": "claude-sonnet-4-5",
                       "providerID": "anthropic", "mode": "build", "agent": "build",
                       "path": {"cwd": "/home/u/proj/sub", "root": "/home/u/proj"}, "cost": 0.01, "time": time,
                       "tokens": {"input": inp, "output": out, "reasoning": reasoning,
                                  "cache": {"read": 10, "write": 20}}})


class Agent:
    """OpenCode's side: one writer connection in WAL mode, kept open like the running agent keeps it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(SCHEMA)
        self.conn.execute("INSERT INTO session VALUES ('ses_1','p',NULL,'s','/home/u/proj','t','1',1,1)")
        self.conn.execute("INSERT INTO session VALUES ('ses_2','p','ses_1','s','/home/u/proj','sub','1',1,1)")

    def put(self, mid: str, i: int, data: str, session: str = "ses_1", updated: int | None = None) -> None:
        # OpenCode's upsert: insert, or on conflict replace the data (time_updated not necessarily bumped)
        self.conn.execute(
            "INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data" + (", time_updated = excluded.time_updated"
                                                                     if updated is not None else ""),
            (mid, session, T0 + i, updated if updated is not None else T0 + i, data))
        self.conn.execute("INSERT OR REPLACE INTO part VALUES (?, ?, ?, 1, 1, ?)",  # step-finish repeats them
                          (f"prt_{mid}", mid, session,
                           json.dumps({"type": "step-finish", "tokens": json.loads(data)["tokens"]})))

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def agent(tmp_path: Path):  # type: ignore[no-untyped-def]
    a = Agent(tmp_path / "oc" / "opencode.db")
    yield a
    a.close()


def test_database_rows_are_counted_with_project_and_parent(tmp_path: Path, agent: Agent) -> None:
    agent.put("msg_1", 1, _data(1))
    agent.put("msg_2", 2, _data(2, out=7, reasoning=3), session="ses_2")
    ws = agent_workspace(tmp_path / "ws", ["opencode"], opencode=tmp_path / "oc")
    try:
        summary = ws.scan()
        got = totals(ws.conn, "opencode")
        sessions = ws.conn.execute("SELECT session_key, parent_key, project FROM chat_session ORDER BY 1").fetchall()
    finally:
        ws.close()
    assert pick(got, *KEYS) == {"calls": 2, "input": 200, "cache_write": 40, "cache_read": 20,
                                "output": 50 + 7 + 3, "reasoning": 3}  # reasoning is billed as output on top
    assert sessions == [("ses_1", None, "/home/u/proj"), ("ses_2", "ses_1", "/home/u/proj")]
    assert summary.lines_skipped == 0, summary.skipped


def test_database_is_read_incrementally_while_the_agent_writes(tmp_path: Path, agent: Agent) -> None:
    agent.put("msg_1", 1, _data(1))
    agent.put("msg_2", 2, _data(2, out=0, done=False))  # still streaming: tokens come at the end
    ws = agent_workspace(tmp_path / "ws", ["opencode"], opencode=tmp_path / "oc")
    try:
        ws.scan()
        assert totals(ws.conn, "opencode")["calls"] == 2
        agent.put("msg_2", 2, _data(2, out=70))  # finished; time_updated left as it was
        agent.put("msg_3", 3, _data(3, out=9))  # a new row
        second = ws.scan()
        third = ws.scan()
        got = totals(ws.conn, "opencode")
        agent.put("msg_1", 1, _data(1, out=60), updated=T0 + 99_000)  # an update that bumps time_updated
        ws.scan()
        final = totals(ws.conn, "opencode")
    finally:
        ws.close()
    assert second.calls_new == 1 and second.calls_updated == 1
    assert third.files_unchanged == 1
    assert pick(got, "calls", "output") == {"calls": 3, "output": 50 + 70 + 9}
    assert pick(final, "calls", "output") == {"calls": 3, "output": 60 + 70 + 9}


def test_read_only_never_writes_the_database(tmp_path: Path, agent: Agent) -> None:
    agent.put("msg_1", 1, _data(1))
    db = tmp_path / "oc" / "opencode.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    ws = agent_workspace(tmp_path / "ws", ["opencode"], opencode=tmp_path / "oc")
    try:
        ws.scan()
        agent.put("msg_2", 2, _data(2))  # the agent can still write after (and while) we read
        ws.scan()
        got = totals(ws.conn, "opencode")
    finally:
        ws.close()
    assert got["calls"] == 2
    agent.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the agent can still checkpoint: no reader holds it
    assert hashlib.sha256(db.read_bytes()).hexdigest() != before  # changed by the agent only


def test_wal_change_seen_by_the_watcher_reads_the_database(tmp_path: Path, agent: Agent) -> None:
    agent.put("msg_1", 1, _data(1))
    oc = tmp_path / "oc"
    ws = agent_workspace(tmp_path / "ws", ["opencode"], opencode=oc)
    try:
        ws.scan()
        agent.put("msg_2", 2, _data(2))
        summary = ws.scanner.scan_paths([oc / "opencode.db-wal"])
        (n_cursors,) = ws.conn.execute("SELECT count(*) FROM source_file").fetchone()
        got = totals(ws.conn, "opencode")
    finally:
        ws.close()
    assert summary.calls_new == 1 and got["calls"] == 2
    assert n_cursors == 1  # one cursor: the database's, not the log's


def test_database_wins_over_legacy_file(tmp_path: Path, agent: Agent) -> None:
    agent.put("msg_1", 1, _data(1, out=50))
    legacy = json.loads(_data(1, out=999)) | {"id": "msg_1", "sessionID": "ses_1"}
    write_json(tmp_path / "oc" / "storage" / "message" / "ses_1" / "msg_1.json", legacy)
    only_legacy = json.loads(_data(5, out=5)) | {"id": "msg_old", "sessionID": "ses_0"}
    write_json(tmp_path / "oc" / "storage" / "message" / "ses_0" / "msg_old.json", only_legacy)
    summary, got = scan_agent(tmp_path / "ws", "opencode", opencode=tmp_path / "oc")
    assert pick(got, "calls", "output") == {"calls": 2, "output": 50 + 5}  # the row's 50, not the file's 999
    assert summary.skipped == {"legacy copy of a database message": 1}


def test_channel_databases_and_copies_dedupe_by_message_id(tmp_path: Path, agent: Agent) -> None:
    agent.put("msg_1", 1, _data(1))
    beta = Agent(tmp_path / "oc" / "opencode-beta.db")
    try:
        beta.put("msg_1", 1, _data(1))  # the same message in another channel's database
        beta.put("msg_9", 9, _data(9, out=1))
        _, got = scan_agent(tmp_path / "ws", "opencode", opencode=tmp_path / "oc")
    finally:
        beta.close()
    assert pick(got, "calls", "output") == {"calls": 2, "output": 51}


def test_vacuumed_database_is_read_again_without_double_counting(tmp_path: Path, agent: Agent) -> None:
    for i in range(1, 6):
        agent.put(f"msg_{i}", i, _data(i))
    ws = agent_workspace(tmp_path / "ws", ["opencode"], opencode=tmp_path / "oc")
    try:
        ws.scan()
        agent.conn.execute("DELETE FROM message WHERE id IN ('msg_1', 'msg_2')")
        agent.conn.execute("VACUUM")  # renumbers rowids below the saved high-water mark
        agent.put("msg_6", 6, _data(6))
        ws.scan()
        got = totals(ws.conn, "opencode")
    finally:
        ws.close()
    assert got["calls"] == 6  # deleted messages stay counted; the new one is found


def test_not_an_opencode_database(tmp_path: Path) -> None:
    db = tmp_path / "oc" / "opencode.db"
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
    summary, got = scan_agent(tmp_path / "ws", "opencode", opencode=tmp_path / "oc")
    assert got["calls"] == 0
    assert summary.skipped == {"unreadable database": 1}


def test_user_messages_and_errors_without_usage(tmp_path: Path) -> None:
    base = tmp_path / "oc" / "storage" / "message" / "s"
    write_json(base / "msg_u.json", {"id": "msg_u", "sessionID": "s", "role": "user", "time": {"created": T0}})
    empty: dict[str, Any] = json.loads(_data(1, out=0, inp=0)) | {"id": "msg_e", "sessionID": "s"}
    empty["tokens"]["cache"] = {"read": 0, "write": 0}
    write_json(base / "msg_e.json", empty)
    (base / "msg_t.json").write_text('{"id": "msg_t", "role": "assistant", "tok')
    summary, got = scan_agent(tmp_path / "ws", "opencode", opencode=tmp_path / "oc")
    assert got["calls"] == 0
    assert summary.skipped == {"torn or malformed JSON document": 1}


def test_roots(tmp_path: Path) -> None:
    from tokenpulse.sources.opencode import OpenCodeSource

    assert OpenCodeSource().roots({}, tmp_path) == [tmp_path / ".local" / "share" / "opencode"]
    assert OpenCodeSource().roots({"XDG_DATA_HOME": "/x"}, tmp_path) == [Path("/x/opencode")]
    assert OpenCodeSource().roots({"OPENCODE_DATA_DIR": "/a,/b"}, tmp_path) == [Path("/a"), Path("/b")]
