"""Folders and branches named in logs are stored and shown as plain text: never run, expanded or opened."""

from __future__ import annotations

import json
import os
import sys
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import (
    REPO,
    claude_line,
    cli_env,
    codex_meta,
    codex_tc,
    codex_turn,
    make_workspace,
    run_cli,
    usage,
    write_lines,
)
from security.probes import assert_watch_sees, audit, watch_opens


def hostile_folders(tmp_path: Path) -> list[str]:
    """`cwd` values a crafted log could carry: paths to secrets, shell substitutions, globs, traversal."""
    return [
        "/etc/passwd",
        "../../../../etc/shadow",
        "$(rm -rf ~)",
        f"`touch {tmp_path}/pwned-backtick`",
        f"$(touch {tmp_path}/pwned-dollar)",
        f"/home/u/proj; touch {tmp_path}/pwned-semicolon",
        f"/home/u/proj && touch {tmp_path}/pwned-and",
        f"/home/u/proj\n touch {tmp_path}/pwned-newline",
        "~root/.ssh/id_rsa",
        "${HOME}/.bashrc",
        "/home/u/*",
        "%APPDATA%\\..\\..",
        "file:///etc/hosts",
    ]


def _pwned(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("pwned*"))


def _thread(n: int) -> str:
    return f"0199aaaa-0000-7000-8000-{n:012d}"


def _write_logs(tmp_path: Path, folders: list[str]) -> None:
    for n, folder in enumerate(folders):
        write_lines(tmp_path / f"claude/projects/p{n}/s{n}.jsonl", [
            claude_line(msg_id=f"m{n}", req_id=f"r{n}", session=f"sess-{n}", cwd=folder,
                        gitBranch=f"$(touch {tmp_path}/pwned-branch-{n})")])
        write_lines(tmp_path / f"codex/sessions/2026/03/01/rollout-2026-03-01T10-00-00-{_thread(n)}.jsonl", [
            codex_meta("2026-03-01T10:00:00Z", _thread(n), cwd=folder),
            codex_turn("2026-03-01T10:00:01Z", cwd=folder),
            codex_tc("2026-03-01T10:00:02Z", usage(100, 0, 10), usage(100, 0, 10))])


def _allowed_prefixes(ws) -> list[str]:  # type: ignore[no-untyped-def]
    """Where a scan may open anything: the roots, its data folder, Python's own files and the zone database."""
    places = [r.path for r in ws.scanner.roots] + [ws.paths.data_dir, REPO / "app"]
    places += [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *zoneinfo.TZPATH)]
    places += [Path(p) for p in sys.path if p]  # the import system lists every entry of sys.path
    return sorted({os.path.realpath(p) for p in places})


def _outside(paths: list[str], prefixes: list[str]) -> list[str]:
    bad = []
    for path in paths:
        real = os.path.realpath(path)
        if not any(real == p or real.startswith(p.rstrip(os.sep) + os.sep) for p in prefixes):
            bad.append(path)
    return sorted(set(bad))


def test_hostile_folders_in_logs_are_stored_verbatim_and_nothing_runs(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folders = hostile_folders(tmp_path)
    _write_logs(tmp_path, folders)
    home = tmp_path / "nohome"
    (home / "keep").mkdir(parents=True)
    (home / "keep" / "sentinel").write_text("still here")
    monkeypatch.setenv("HOME", str(home))  # what "~" would mean if anything expanded it
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        with audit() as rec:
            ws.scan()
        projects = {source: sorted(p for (p,) in ws.conn.execute(
            "SELECT project FROM chat_session WHERE source = ?", (source,))) for source in ("claude-code", "codex")}
        columns = {r[1] for r in ws.conn.execute("PRAGMA table_info(chat_session)")}
        allowed = _allowed_prefixes(ws)
    finally:
        ws.close()
    assert projects == {"claude-code": sorted(folders), "codex": sorted(folders)}
    assert "git_branch" not in columns  # branch names are not kept at all (SECURITY.md)
    assert _pwned(tmp_path) == []
    assert (home / "keep" / "sentinel").read_text() == "still here"
    assert rec.spawns() == []
    removed = [os.fsdecode(args[0]) for _, args in rec.named("os.remove", "os.rmdir", "shutil.rmtree")]
    assert _outside(removed, [os.path.realpath(tmp_path / "data")]) == []  # only its own temporary files
    assert rec.opened_paths()  # the probe saw the scan's own reads
    assert _outside(rec.opened_paths(), allowed) == []


def test_the_allow_list_check_reports_an_open_outside(tmp_path: Path) -> None:
    """The open check above can fail: reading a file outside the allowed places is reported."""
    ws = make_workspace(tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        elsewhere = tmp_path / "elsewhere.txt"
        elsewhere.write_text("x")
        with audit() as rec:
            elsewhere.read_text()
        assert _outside(rec.opened_paths(), _allowed_prefixes(ws)) == [str(elsewhere)]
    finally:
        ws.close()


def test_reports_print_hostile_folders_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folders = hostile_folders(tmp_path)
    _write_logs(tmp_path, folders)
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    with audit() as rec:
        code, out, err = run_cli(capsys, "projects", "--json")
        table_code, table, _ = run_cli(capsys, "sessions", "--no-scan")
    assert code == 0, err
    assert table_code == 0
    assert sorted(row["project"] for row in json.loads(out)) == sorted(folders)
    assert "$(rm -rf ~)" in table
    assert _pwned(tmp_path) == []
    assert rec.spawns() == []


# ---------------------------------------------------------------------------------------------
# The GUI: a folder name that looks like HTML must not make Qt load a file
# ---------------------------------------------------------------------------------------------

@pytest.mark.gui
def test_a_project_named_like_html_does_not_make_the_popup_open_a_file(tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenpulse.config.paths import resolve
    from tokenpulse.gui.app import TokenpulseApp

    here = tmp_path / "working-folder"
    here.mkdir()
    probe = here / "probe.png"
    probe.write_bytes(b"not an image")
    monkeypatch.chdir(here)  # Qt resolves a relative image name against the process's working folder
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # a live chat: a call just now
    write_lines(tmp_path / "claude/projects/x/s.jsonl",
                [claude_line(msg_id="m1", req_id="r1", ts=now, cwd="/home/u/<img src=probe.png>")])
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    app = TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", tray_available=False,
                        background=True)
    qtbot.addWidget(app.popup)
    try:
        with watch_opens([here]) as watch:
            with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=20_000,
                                  check_params_cb=lambda s: s.ready and s.live is not None):
                app.start()
            # shown, with look-alike brackets (presenters/plain.py), so no label, tooltip or balloon takes it as markup
            assert "‹img src=probe.png›" in app.popup.live_title.text()
            app.popup.grab()  # lays out and paints every label now, loading whatever they reference
            opened = watch.drain()
            assert_watch_sees(watch, probe)
    finally:
        app.shutdown()
    assert opened == []
