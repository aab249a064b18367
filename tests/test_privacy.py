"""The store keeps counts, never conversation text: no prompt, response or tool text reaches the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import make_workspace, samples

# Distinctive text from `content` / `text` / tool fields of the sample logs (checked to be present below).
SECRETS = {
    "claude-code/projects/sample-project/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl": [
        "Please analyze this codebase and create a CLAUDE.md file",
        "The directory appears to be empty. This is a completely new",
    ],
    "claude-code/projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl": [
        "OK, we're going to make a little experiment here",
    ],
    "claude-code/projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/"
    "agent-a4ca7529859c158c2.jsonl": ["is a built-in operating mode in Clau"],
    "claude-code/projects/-src-experiments-claude_p/29ccd257-68b1-427f-ae5f-6524b7cb6f20/subagents/"
    "agent-a2271d1.jsonl": ["I'll provide you with a comprehensive overview of the code organizatio"],
    "claude-code/projects/-Users-dain-workspace-claude-code-log-sample/326189cf-5676-4237-8cde-1ce80aae4a9f.jsonl": [
        "Ruff Linting Fixes in Test Files",
    ],
    "codex/agtrace__codex_session.jsonl": [
        "Added simple script in `myapp/hoge.py` that prints the resul",
        "add myapp directory and create myapp/hoge.py",
    ],
}


def _db_bytes(db: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", ".pre-migration"):
        f = db.with_name(db.name + suffix)
        if f.exists():
            data += f.read_bytes()
    return data


def test_no_conversation_text_in_the_store(tmp_path: Path) -> None:
    shared = samples("claude-code").parent
    for rel, needles in SECRETS.items():
        text = (shared / rel).read_bytes()
        for needle in needles:
            assert needle.encode() in text, f"sample changed: {needle!r} not in {rel}"
    codex_home = tmp_path / "codex"
    shutil.copytree(samples("codex"), codex_home / "sessions/2026/01/01", ignore=shutil.ignore_patterns("*.md"))
    ws = make_workspace(tmp_path, claude=samples("claude-code"), codex=codex_home)
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0] > 300
        during = _db_bytes(ws.paths.database)  # with the WAL still holding recent pages
    finally:
        ws.close()
    after = _db_bytes(ws.paths.database)
    for blob in (during, after):
        assert len(blob) > 10_000
        for needles in SECRETS.values():
            for needle in needles:
                for form in (needle.encode(), needle.encode("utf-16-le")):
                    assert form not in blob, f"{needle!r} leaked into the store"


@pytest.mark.parametrize("marker", ["SECRET-PROMPT-7f3a9", "SECRET-TOOL-OUTPUT-b21c"])
def test_own_markers_never_stored(tmp_path: Path, marker: str) -> None:
    from helpers import claude_line, write_lines

    write_lines(tmp_path / "claude/projects/p/s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", text=marker),
        claude_line(msg_id="m2", req_id="r2", text="x", toolUseResult={"stdout": marker}),
    ])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        blob = _db_bytes(ws.paths.database)
    finally:
        ws.close()
    assert marker.encode() not in blob + _db_bytes(ws.paths.database)
