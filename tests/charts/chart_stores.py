"""Stores for the chart tests: workspaces on tmp folders and the shared samples laid out as the agents keep them.

Imported by name (`from chart_stores import ...`), not from conftest: several test folders have a conftest.py,
and which one `import conftest` finds depends on the paths pytest was given.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from helpers import samples

SAMPLE_NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # after the samples' last day that counts (qwen's)


def open_workspace(data: Path, claude: Path, codex: Path, home: Path, timezone: str | None = "UTC",  # type: ignore[no-untyped-def]
                   more: Mapping[str, str] | None = None):
    from tokenpulse.config.paths import resolve
    from tokenpulse.config.settings import Settings
    from tokenpulse.workspace import Workspace

    env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(codex), **(more or {})}
    return Workspace(resolve(data), env=env, home=home, settings=Settings(timezone=timezone))


def scan(data: Path, claude: Path, codex: Path, home: Path, timezone: str | None = "UTC",
         more: Mapping[str, str] | None = None) -> None:
    ws = open_workspace(data, claude, codex, home, timezone, more)
    try:
        ws.scan()
    finally:
        ws.close()


def sample_agents(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The shared samples laid out as each agent keeps them: (Codex home, the other agents' variables).

    Codex, Qwen and OpenCode samples are flat in shared/samples, so they are copied into their real layouts;
    the Copilot CLI sample holds no usage (only OpenTelemetry exports do).
    """
    codex = tmp_path / "codex"
    day = codex / "sessions" / "2026" / "01" / "01"
    day.mkdir(parents=True)
    for f in samples("codex").glob("*.jsonl"):
        shutil.copyfile(f, day / f"rollout-{f.name}")
    chats = tmp_path / "qwen" / "projects" / "-tmp-qwen" / "chats"
    chats.mkdir(parents=True)
    for f in samples("qwen").glob("*.jsonl"):
        shutil.copyfile(f, chats / f.name)
    opencode = []
    for i, folder in enumerate(sorted(p for p in samples("opencode").iterdir() if p.is_dir())):
        shutil.copytree(folder, tmp_path / f"opencode{i}" / "storage")
        opencode.append(str(tmp_path / f"opencode{i}"))
    return codex, {"GEMINI_DATA_DIR": str(samples("gemini")), "QWEN_DATA_DIR": str(tmp_path / "qwen"),
                   "OPENCODE_DATA_DIR": ",".join(opencode), "COPILOT_OTEL_DIR": str(tmp_path / "no-copilot")}
