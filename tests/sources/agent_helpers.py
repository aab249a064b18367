"""Helpers for the tests of every agent but Claude Code and Codex: a workspace whose roots are only tmp folders."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers import totals

# Every data-folder variable of every source, so no test ever reads the real home folder.
AGENT_VARS = {"gemini": "GEMINI_DATA_DIR", "qwen": "QWEN_DATA_DIR", "opencode": "OPENCODE_DATA_DIR",
              "copilot": "COPILOT_OTEL_DIR", "amp": "AMP_DATA_DIR", "pi": "PI_AGENT_DIR", "openclaw": "OPENCLAW_DIR",
              "goose": "GOOSE_PATH_ROOT", "kimi": "KIMI_DATA_DIR", "droid": "DROID_SESSIONS_DIR",
              "kilo": "KILO_DATA_DIR", "hermes": "HERMES_HOME", "cline": "CLINE_STORAGE_DIR",
              "roo": "ROO_CODE_STORAGE_DIR", "kilocode": "KILO_CODE_STORAGE_DIR"}


def agent_env(tmp_path: Path, **roots: Path | str) -> dict[str, str]:
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "no-claude"), "CODEX_HOME": str(tmp_path / "no-codex")}
    for key, var in AGENT_VARS.items():
        env[var] = str(roots[key]) if key in roots else str(tmp_path / f"no-{key}")
    return env


def agent_workspace(tmp_path: Path, sources: Iterable[str] | None = None, **roots: Path | str) -> Any:
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    return Workspace(resolve(tmp_path / "data"), env=agent_env(tmp_path, **roots), home=tmp_path / "nohome",
                     sources=list(sources) if sources is not None else None)


def scan_agent(tmp_path: Path, source: str, **roots: Path | str) -> tuple[Any, dict[str, int]]:
    """Scan once with only `source`; (summary, totals of that source)."""
    ws = agent_workspace(tmp_path, [source], **roots)
    try:
        summary = ws.scan()
        return summary, totals(ws.conn, source)
    finally:
        ws.close()


def write_json(path: Path, obj: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2))
    return path


def jsonl(path: Path, records: Iterable[Any], mode: str = "w") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode) as fh:
        fh.writelines((rec if isinstance(rec, str) else json.dumps(rec)) + "\n" for rec in records)
    return path


def pick(t: dict[str, int], *keys: str) -> dict[str, int]:
    return {k: t[k] for k in keys}


FIXTURES = Path(__file__).resolve().parents[1] / "agent_fixtures"


def fixture(*parts: str) -> Path:
    """A folder or file of the fixtures the team wrote in each agent's documented shape (`tests/agent_fixtures`)."""
    return FIXTURES.joinpath(*parts)


def sqlite_from_script(script: Path, db: Path) -> Path:
    """Build an agent's SQLite database from a committed SQL fixture (binary databases are not committed)."""
    import sqlite3

    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    try:
        conn.executescript(script.read_text(encoding="utf-8"))
        conn.commit()
    finally:
        conn.close()
    return db


def rows(ws: Any, source: str) -> list[tuple[Any, ...]]:
    """(session, project, parent, model, ts_ms, input, cache write, cache read, output, reasoning) per call."""
    return ws.conn.execute(
        "SELECT s.session_key, s.project, s.parent_key, c.model, c.ts_ms, c.input, c.cache_write_5m + c.cache_write_1h,"
        " c.cache_read, c.output, c.reasoning FROM api_call c JOIN chat_session s ON s.id = c.session_id"
        " WHERE c.source = ? ORDER BY c.ts_ms, c.model", (source,)).fetchall()
