"""Where pi keeps its session files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.pi.parser import PiSessionParser  # never needs msgspec or the parser's patterns


class PiSource:
    name = "pi-agent"  # ccusage's name for it; a bare "pi" reads as part of other words (api, pip)
    label = "pi-agent"
    env_var = "PI_AGENT_DIR"  # ccusage's variable: folders of pi's session files (`~/.pi/agent/sessions`)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        return env_paths(env.get(self.env_var)) or [home / ".pi" / "agent" / "sessions"]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return walk_files(root, _is_session_name, errors)

    def owns(self, path: Path) -> bool:
        return _is_session_name(path.name)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> PiSessionParser:
        from tokenpulse.sources.pi.parser import PiSessionParser

        return PiSessionParser(path, state)


def _is_session_name(name: str) -> bool:
    return name.endswith(".jsonl")
