"""The store keeps counts, never conversation text: no prompt, response or tool text reaches the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    claude_line,
    codex_file,
    codex_message,
    codex_meta,
    codex_tc,
    codex_turn,
    make_workspace,
    samples,
    usage,
    write_lines,
)
from security.agent_samples import AGENTS, assert_every_agent_scanned, lay_out, sample_logs, workspace

DAY_MS = 86_400_000
NOW_MS = 1_780_000_000_000

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
    "gemini/agent-sessions__jsonl_v040.jsonl": ["Say hello and list files.", "Hello! I listed the files."],
    "gemini/agent-sessions__small.json": ["Short reasoning placeholder."],
    "qwen/splitrail__qwen_code.jsonl": ["List the files here.", "Path must be absolute: ."],
    "opencode/codemie__storage/part/msg-assistant-1/part-txt-reply.json": [
        "Created src/test.ts with three console.log statements",
    ],
    "copilot-cli/agent-sessions__small.jsonl": ["Folder /tmp/repo has been added to trusted folders."],
}

# Keys under which the agents log conversation text: every string beneath them is prompt, response, thinking or
# tool text. Strings under other keys (ids, models, folders, timestamps) are metadata the store may keep.
TEXT_KEYS = frozenset({
    "content", "text", "thinking", "thoughts", "displayContent", "transformedContent", "description", "output",
    "stdout", "stderr", "result", "resultDisplay", "arguments", "args", "input", "command", "textResultForLlm",
    "summary", "functionResponse", "functionCall", "response", "toolUseResult", "prompt", "instructions",
    "user_instructions", "base_instructions", "developer_instructions", "error", "message", "title",
    "last_agent_message",
})
PER_AGENT = 250  # needles per agent: enough to catch any leak path, few enough to search megabytes quickly
NEEDLE_LEN = 60  # short enough that a leaked string rarely straddles an SQLite page boundary


def _documents(path: Path) -> Iterator[Any]:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        try:
            yield json.loads(raw)
            return
        except ValueError:
            pass
    for line in raw.splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue


def _strings(obj: Any, in_text: bool, text: set[str], meta: set[str]) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            _strings(value, in_text or key in TEXT_KEYS, text, meta)
    elif isinstance(obj, list):
        for value in obj:
            _strings(value, in_text, text, meta)
    elif isinstance(obj, str):
        (text if in_text else meta).add(obj)


def harvest(files_by_agent: dict[str, list[Path]]) -> dict[str, list[str]]:
    """Per agent, prose-like strings logged as conversation text that never occur as metadata anywhere.

    Prose-like (12+ characters with a space) keeps out ids, model names and paths; a string that is also
    metadata somewhere (a fixture's "[trimmed for fixture]" is both a message and a cwd) is left out.
    """
    text: dict[str, set[str]] = {}
    meta: set[str] = set()
    for agent, files in files_by_agent.items():
        text[agent] = set()
        for path in files:
            for doc in _documents(path):
                _strings(doc, False, text[agent], meta)
    out = {}
    for agent, strings in text.items():
        needles = sorted({s.strip()[:NEEDLE_LEN] for s in strings
                          if len(s.strip()) >= 12 and any(c.isspace() for c in s.strip())})
        needles = [n for n in needles if not any(n in m for m in meta)]
        step = max(1, len(needles) // PER_AGENT)
        out[agent] = needles[::step]
    return out


def forms(needle: str) -> list[bytes]:
    """How a string can sit in an SQLite file: UTF-8 as is, or JSON-escaped (in a JSON column)."""
    return sorted({needle.encode(), json.dumps(needle)[1:-1].encode(), json.dumps(needle, ensure_ascii=False)[
        1:-1].encode()})


def data_files(folder: Path) -> dict[str, bytes]:
    """Every file under the data folder (store, -wal, -shm, backups, safety copies), by relative name."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leaks(files: dict[str, bytes], needles: list[str], utf16: bool = False) -> list[str]:
    found = []
    for name, blob in files.items():
        for needle in needles:
            candidates = forms(needle) + ([needle.encode("utf-16-le")] if utf16 else [])
            if any(form in blob for form in candidates):
                found.append(f"{needle!r} in {name}")
    return found


@pytest.fixture(scope="module")
def scanned_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, bytes], dict[str, bytes]]:
    """All six agents' samples scanned once, with two backups; the files while the store is open and after."""
    from tokenpulse.store.backup import backup_if_due, list_backups, make_backup

    tmp = tmp_path_factory.mktemp("privacy")
    layout = lay_out(tmp)
    ws = workspace(tmp, layout)
    try:
        ws.scan()
        assert_every_agent_scanned(ws.conn)
        make_backup(ws.paths.database, ws.paths.backups_dir, NOW_MS)
        assert backup_if_due(ws.paths.database, ws.paths.backups_dir, NOW_MS + DAY_MS) is not None
        assert len(list_backups(ws.paths.backups_dir)) == 2
        during = data_files(ws.paths.data_dir)  # with the WAL still holding the recent pages
    finally:
        ws.close()
    after = data_files(ws.paths.data_dir)
    assert "tokenpulse.sqlite3-wal" in during and sum(len(b) for b in during.values()) > 100_000
    assert any(name.startswith("backups/") for name in after)
    return layout, during, after


def test_hand_picked_sample_text_never_reaches_the_store(scanned_store: Any) -> None:
    _, during, after = scanned_store
    shared = samples("claude-code").parent
    needles = []
    for rel, texts in SECRETS.items():
        content = (shared / rel).read_bytes()
        for needle in texts:
            assert needle.encode() in content, f"sample changed: {needle!r} not in {rel}"
        needles += texts
    assert {rel.split("/")[0] for rel in SECRETS} == set(AGENTS)
    assert leaks(during, needles, utf16=True) == []
    assert leaks(after, needles, utf16=True) == []


def test_no_logged_conversation_text_of_any_agent_reaches_the_store(scanned_store: Any) -> None:
    layout, during, after = scanned_store
    needles = harvest({agent: sample_logs(layout, agent) for agent in AGENTS})
    assert all(needles[agent] for agent in AGENTS), {a: len(n) for a, n in needles.items()}
    every = [n for agent in AGENTS for n in needles[agent]]
    assert leaks(during, every) == []
    assert leaks(after, every) == []


def test_the_leak_search_finds_text_that_is_there(scanned_store: Any) -> None:
    """The search itself works: metadata the store does keep (a project folder, a model) is found."""
    _, _, after = scanned_store
    assert leaks(after, ["/Users/dain/workspace/claude-code-log", "claude-sonnet-4"])
    assert leaks({"x": json.dumps({"t": "a \"quoted\"\nline"}).encode()}, ['a "quoted"\nline'])


@pytest.mark.parametrize("marker", ["SECRET-PROMPT-7f3a9", "SECRET-TOOL-OUTPUT-b21c"])
def test_own_markers_never_stored_claude(tmp_path: Path, marker: str) -> None:
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [
        claude_line(msg_id="m1", req_id="r1", text=marker),
        claude_line(msg_id="m2", req_id="r2", text="x", toolUseResult={"stdout": marker}),
    ])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0] == 2
        during = data_files(ws.paths.data_dir)
    finally:
        ws.close()
    assert leaks(during, [marker], utf16=True) == []
    assert leaks(data_files(ws.paths.data_dir), [marker], utf16=True) == []


def test_own_markers_never_stored_codex(tmp_path: Path) -> None:
    marker = "SECRET-CODEX-REPLY-91dd"
    ts = "2026-03-01T10:00:0{}Z"
    write_lines(codex_file(tmp_path / "codex"), [
        codex_meta(ts.format(0), "0199aaaa-0000-7000-8000-000000000001"),
        codex_turn(ts.format(1)),
        json.dumps({"timestamp": ts.format(2), "type": "response_item",
                    "payload": {"type": "message", "role": "user", "content": [{"type": "input_text",
                                                                                 "text": marker + " prompt"}]}}),
        json.dumps({"timestamp": ts.format(3), "type": "response_item",
                    "payload": {"type": "function_call_output", "call_id": "c1", "output": marker + " tool"}}),
        codex_message(ts.format(4), marker + " reply"),
        codex_tc(ts.format(5), usage(100, 0, 10), usage(100, 0, 10)),
    ])
    ws = make_workspace(tmp_path, codex=tmp_path / "codex")
    try:
        ws.scan()
        assert ws.conn.execute("SELECT count(*) FROM api_call").fetchone()[0] == 1
        during = data_files(ws.paths.data_dir)
    finally:
        ws.close()
    assert leaks(during, [marker], utf16=True) == []
    assert leaks(data_files(ws.paths.data_dir), [marker], utf16=True) == []
