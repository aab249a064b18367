"""Symlinks inside a watched root never lead the scan out of it: linked files and folders outside, and loops.

A valid log lies outside the root behind each link, so reading it would add calls; an inotify watch on the
outside folders also reports any open or listing there, by Python, SQLite or anything else in the process.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import claude_line, codex_meta, codex_tc, codex_turn, make_workspace, usage, write_lines
from security.probes import assert_watch_sees, watch_opens

OUTSIDE_PROJECT = "/outside/project"


@dataclass(frozen=True)
class Planted:
    root: Path  # the watched root (Claude Code's projects/, Codex's sessions/)
    inside_calls: int
    outside: Path  # the folder outside the root, with valid logs in it and in outside/dir
    links: dict[str, Path]  # what was planted under the root, by kind


def _log(agent: str, path: Path, tag: str, cwd: str, calls: int) -> Path:
    if agent == "claude-code":
        return write_lines(path, [claude_line(msg_id=f"{tag}-m{i}", req_id=f"{tag}-r{i}", session=f"sess-{tag}",
                                              cwd=cwd, output=10 + i) for i in range(calls)])
    thread = f"0199aaaa-0000-7000-8000-{zlib.crc32(tag.encode()):012d}"
    lines = [codex_meta("2026-03-01T10:00:00Z", thread, cwd=cwd), codex_turn("2026-03-01T10:00:01Z", cwd=cwd)]
    total = usage(0)
    for i in range(calls):
        last = usage(100, 0, 10 + i)
        total = {k: total.get(k, 0) + last[k] for k in last}
        lines.append(codex_tc(f"2026-03-01T10:00:{2 + i:02d}Z", total, last))
    return write_lines(path, lines)


def _plant(tmp_path: Path, agent: str) -> Planted:
    root = tmp_path / ("claude/projects" if agent == "claude-code" else "codex/sessions")
    sub = root / ("-home-u-proj" if agent == "claude-code" else "2026/03/01")
    name = "rollout-2026-03-01T10-00-00-{}.jsonl" if agent == "codex" else "{}.jsonl"
    _log(agent, sub / name.format("inside"), "inside", "/home/u/proj", 2)
    outside = tmp_path / "outside"
    _log(agent, outside / name.format("outside-file"), "outfile", OUTSIDE_PROJECT, 3)
    _log(agent, outside / "dir" / name.format("outside-dir"), "outdir", OUTSIDE_PROJECT, 4)
    links = {
        "file out of the root": sub / name.format("linked-file"),
        "folder out of the root": root / "linked-dir",
        "folder loop to the root": root / "loop",
        "folder loop to the parent": sub / "up",
        "file linked to itself": sub / name.format("self-loop"),
        "file loop a": sub / name.format("ping"),
        "file loop b": sub / name.format("pong"),
    }
    os.symlink(outside / name.format("outside-file"), links["file out of the root"])
    os.symlink(outside / "dir", links["folder out of the root"], target_is_directory=True)
    os.symlink(root, links["folder loop to the root"], target_is_directory=True)
    os.symlink("..", links["folder loop to the parent"], target_is_directory=True)
    os.symlink(links["file linked to itself"].name, links["file linked to itself"])
    os.symlink(links["file loop b"].name, links["file loop a"])
    os.symlink(links["file loop a"].name, links["file loop b"])
    return Planted(root=root, inside_calls=2, outside=outside, links=links)


def _workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")


def _outside_rows(conn) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return list(conn.execute("SELECT source, session_key, project FROM chat_session WHERE project = ?",
                             (OUTSIDE_PROJECT,)))


def _stored_paths(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return [r[0] for r in conn.execute("SELECT path FROM source_file")]


@pytest.mark.parametrize("agent", ["claude-code", "codex"])
def test_a_full_scan_reads_nothing_behind_links_out_of_the_root(tmp_path: Path, agent: str) -> None:
    planted = _plant(tmp_path, agent)
    ws = _workspace(tmp_path)
    try:
        with watch_opens([planted.outside, planted.outside / "dir"]) as watch:
            summary = ws.scan()
            assert summary is not None
            assert ws.scan() is not None  # a second, incremental scan: still nothing outside
            opened_outside = watch.drain()
            assert_watch_sees(watch, next(planted.outside.glob("*.jsonl")))
        calls = ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
        outside_rows = _outside_rows(ws.conn)
        stored = _stored_paths(ws.conn)
    finally:
        ws.close()
    assert opened_outside == []
    assert calls == planted.inside_calls
    assert outside_rows == []
    real_root = os.path.realpath(planted.root)
    assert stored and all(os.path.realpath(p).startswith(real_root + os.sep) for p in stored), stored


def test_walk_skips_every_planted_link_that_leaves_the_root_or_loops(tmp_path: Path) -> None:
    from tokenpulse.sources.walk import WalkErrors, walk_files

    planted = _plant(tmp_path, "claude-code")
    errors = WalkErrors()
    found = list(walk_files(planted.root, lambda name: name.endswith(".jsonl"), errors))
    assert [p.name for p in found] == ["inside.jsonl"]
    assert errors.unreadable == []


def test_walk_follows_a_linked_file_that_stays_inside_the_root(tmp_path: Path) -> None:
    """Links are not refused as such: one that resolves inside the root is an ordinary file of it."""
    from tokenpulse.sources.walk import walk_files

    root = tmp_path / "claude/projects"
    real = _log("claude-code", root / "a" / "s.jsonl", "a", "/home/u/a", 1)
    os.symlink(real, root / "a" / "alias.jsonl")
    found = [p.name for p in walk_files(root, lambda name: name.endswith(".jsonl"))]
    assert found == ["alias.jsonl", "s.jsonl"]


def test_a_root_that_is_itself_a_link_is_read_where_it_points(tmp_path: Path) -> None:
    """The user chose the root (CLAUDE_CONFIG_DIR): following it is not leaving it."""
    real = tmp_path / "real-config"
    _log("claude-code", real / "projects" / "-p" / "s.jsonl", "r", "/home/u/p", 2)
    os.symlink(real, tmp_path / "claude", target_is_directory=True)
    ws = _workspace(tmp_path)
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0] == 2
    finally:
        ws.close()


@pytest.mark.parametrize("agent", ["claude-code", "codex"])
def test_changed_paths_from_the_watcher_are_not_read_behind_links(tmp_path: Path, agent: str) -> None:
    planted = _plant(tmp_path, agent)
    ws = _workspace(tmp_path)
    try:
        ws.scan()
        linked_dir_log = next((planted.links["folder out of the root"]).glob("*.jsonl"))
        with watch_opens([planted.outside, planted.outside / "dir"]) as watch:
            ws.scanner.scan_paths([planted.links["file out of the root"], linked_dir_log])
            opened_outside = watch.drain()
        calls = ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
        outside_rows = _outside_rows(ws.conn)
    finally:
        ws.close()
    assert (opened_outside, calls, outside_rows) == ([], planted.inside_calls, [])


def test_resolves_inside_sees_through_links(tmp_path: Path) -> None:
    from tokenpulse.sources.walk import resolves_inside

    planted = _plant(tmp_path, "claude-code")
    inside = next(planted.root.rglob("inside.jsonl"))
    assert resolves_inside(inside, planted.root)
    assert resolves_inside(planted.root, planted.root)
    assert not resolves_inside(planted.links["file out of the root"], planted.root)
    assert not resolves_inside(planted.links["folder out of the root"] / "x.jsonl", planted.root)
    assert not resolves_inside(tmp_path / "claude/projects-other/x.jsonl", planted.root)  # a prefix, not a parent


# ---------------------------------------------------------------------------------------------
# OpenCode: its root is the data folder; `storage/` and `opencode*.db` are looked up by name inside it
# ---------------------------------------------------------------------------------------------

def _opencode_workspace(tmp_path: Path, root: Path):  # type: ignore[no-untyped-def]
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "no-claude"), "CODEX_HOME": str(tmp_path / "no-codex"),
           "OPENCODE_DATA_DIR": str(root)}
    return Workspace(resolve(tmp_path / "data"), env=env, home=tmp_path / "nohome", sources=["opencode"])


def _opencode_database(path: Path) -> Path:
    """A minimal OpenCode database (session + message, as OpenCode's schema) with one assistant message."""
    import json
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(
            "CREATE TABLE session (id text PRIMARY KEY, project_id text, parent_id text, slug text, directory text,"
            " title text, version text, time_created integer, time_updated integer);"
            "CREATE TABLE message (id text PRIMARY KEY, session_id text, time_created integer,"
            " time_updated integer, data text);")
        conn.execute("INSERT INTO session VALUES ('ses_out', 'p', NULL, 's', ?, 't', '1', 1, 1)", (OUTSIDE_PROJECT,))
        data = {"role": "assistant", "modelID": "claude-sonnet-4-5", "providerID": "anthropic",
                "time": {"created": 1767312000000, "completed": 1767312000500},
                "tokens": {"input": 1, "output": 2, "reasoning": 0, "cache": {"read": 0, "write": 0}}}
        conn.execute("INSERT INTO message VALUES ('msg_out', 'ses_out', 1, 1, ?)", (json.dumps(data),))
        conn.commit()
    finally:
        conn.close()
    return path


def _opencode_message(path: Path) -> Path:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"id": "msg_out", "sessionID": "ses_out", "role": "assistant",
                                "modelID": "claude-sonnet-4-5", "providerID": "anthropic",
                                "path": {"cwd": OUTSIDE_PROJECT}, "time": {"created": 1767312000000},
                                "tokens": {"input": 1, "output": 2, "cache": {"read": 0, "write": 0}}}))
    return path


@pytest.mark.parametrize("kind", ["database", "storage folder"])
def test_opencode_links_out_of_its_data_folder_are_not_read(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "opencode"
    root.mkdir()
    outside = tmp_path / "outside"
    if kind == "database":
        os.symlink(_opencode_database(outside / "opencode.db"), root / "opencode.db")
        watched = [outside]
    else:
        _opencode_message(outside / "storage" / "message" / "ses_out" / "msg_out.json")
        os.symlink(outside / "storage", root / "storage", target_is_directory=True)
        watched = [outside, outside / "storage" / "message" / "ses_out"]
    ws = _opencode_workspace(tmp_path, root)
    try:
        with watch_opens(watched) as watch:
            ws.scan()
            opened_outside = watch.drain()
        calls = ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0]
    finally:
        ws.close()
    assert (opened_outside, calls) == ([], 0)


def test_a_file_reached_twice_is_found_once(tmp_path: Path) -> None:
    """Two roots that are the same folder (one a link to the other), and a linked file beside its target: each
    real file is found once, though only links are resolved (one per root, and the linked files)."""
    real = tmp_path / "real-config"
    first = _log("claude-code", real / "projects" / "-p" / "s.jsonl", "r", "/home/u/p", 2)
    _log("claude-code", real / "projects" / "-q" / "t.jsonl", "q", "/home/u/q", 1)
    os.symlink(first, first.parent / "alias.jsonl")
    os.symlink(real, tmp_path / "linked", target_is_directory=True)
    ws = make_workspace(tmp_path, claude=f"{real},{tmp_path / 'linked'}", sources=["claude-code"])
    try:
        found = [os.path.realpath(p) for _, p in ws.scanner.discover()]
        assert sorted(found) == sorted({os.path.realpath(first), os.path.realpath(real / "projects/-q/t.jsonl")})
        summary = ws.scan()
        assert summary is not None and summary.files_seen == 2
    finally:
        ws.close()
