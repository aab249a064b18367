"""Every agent's shared samples laid out as that agent keeps them, for scans that cover all six sources."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers import samples

AGENTS = ("claude-code", "codex", "gemini", "qwen", "opencode", "copilot-cli")
# Copilot CLI's sample is session state, not its OTel export: it is read but holds no usage (see its README).
AGENTS_WITH_USAGE = ("claude-code", "codex", "gemini", "qwen", "opencode")


@dataclass(frozen=True)
class AgentLayout:
    env: dict[str, str]  # the agents' variables (and HOME, XDG_*) pointing at these roots only
    roots: dict[str, list[Path]]  # per agent, the folders the scan reads (the samples' text comes from here)
    home: Path


def lay_out(tmp_path: Path) -> AgentLayout:
    """Samples read in place where their layout allows, copied into the agent's layout in tmp otherwise."""
    base = tmp_path / "agents"
    codex_home = base / "codex"
    shutil.copytree(samples("codex"), codex_home / "sessions" / "2026" / "01" / "01",
                    ignore=shutil.ignore_patterns("*.md"))
    qwen_home = base / "qwen"
    chats = qwen_home / "projects" / "-tmp-qwentest" / "chats"
    chats.mkdir(parents=True)
    for log in samples("qwen").glob("*.jsonl"):
        shutil.copyfile(log, chats / log.name)
    otel = base / "copilot-otel"
    otel.mkdir(parents=True)
    for log in samples("copilot-cli").glob("*.jsonl"):
        shutil.copyfile(log, otel / log.name)
    opencode = [samples("opencode") / "codemie__storage", samples("opencode") / "tokscale__storage"]
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "CLAUDE_CONFIG_DIR": str(samples("claude-code")),
        "CODEX_HOME": str(codex_home),
        "GEMINI_DATA_DIR": str(samples("gemini")),
        "QWEN_DATA_DIR": str(qwen_home),
        "OPENCODE_DATA_DIR": ",".join(str(p) for p in opencode),
        "COPILOT_OTEL_DIR": str(otel),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "TZ": "UTC",
    }
    roots = {"claude-code": [samples("claude-code") / "projects"], "codex": [codex_home / "sessions"],
             "gemini": [samples("gemini")], "qwen": [qwen_home / "projects"], "opencode": opencode,
             "copilot-cli": [otel]}
    return AgentLayout(env=env, roots=roots, home=home)


def sample_logs(layout: AgentLayout, agent: str) -> list[Path]:
    """The JSON and JSONL files under an agent's roots (read by the scan or lying beside what it reads)."""
    return sorted(p for root in layout.roots[agent] for p in root.rglob("*")
                  if p.is_file() and p.suffix in (".json", ".jsonl"))


def workspace(tmp_path: Path, layout: AgentLayout, data: Path | None = None):  # type: ignore[no-untyped-def]
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    return Workspace(resolve(data or tmp_path / "data"), env=layout.env, home=layout.home)


def calls_by_source(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(conn.execute("SELECT source, count(*) FROM api_call GROUP BY source"))


def files_by_source(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(conn.execute("SELECT source, count(*) FROM source_file GROUP BY source"))


def assert_every_agent_scanned(conn) -> None:  # type: ignore[no-untyped-def]
    """Each agent's files were read, and each agent with usage in its sample has calls in the store."""
    files = files_by_source(conn)
    calls = calls_by_source(conn)
    assert set(AGENTS) <= set(files), f"files read per source: {files}"
    assert all(calls.get(a, 0) > 0 for a in AGENTS_WITH_USAGE), f"calls per source: {calls}"
