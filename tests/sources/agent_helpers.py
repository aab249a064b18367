"""Helpers for the Gemini, Qwen, OpenCode and Copilot CLI tests: a workspace whose roots are only tmp folders."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers import totals

# Every data-folder variable of every source, so no test ever reads the real home folder.
AGENT_VARS = {"gemini": "GEMINI_DATA_DIR", "qwen": "QWEN_DATA_DIR", "opencode": "OPENCODE_DATA_DIR",
              "copilot": "COPILOT_OTEL_DIR"}


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
