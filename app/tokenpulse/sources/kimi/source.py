"""Where Kimi CLI keeps each session's wire log, and which model its configuration names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.kimi.parser import KimiWireParser

WIRE = "wire.jsonl"
SHARE_DIR = "KIMI_SHARE_DIR"  # Kimi CLI's own variable for its data folder


class KimiSource:
    name = "kimi"
    label = "Kimi CLI"
    env_var = "KIMI_DATA_DIR"  # ccusage's variable: Kimi data folders (comma-separated); else KIMI_SHARE_DIR

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        bases = env_paths(env.get(self.env_var)) or env_paths(env.get(SHARE_DIR)) or [home / ".kimi"]
        return [base if base.name == "sessions" else base / "sessions" for base in bases]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return (p for p in walk_files(root, _is_wire_name, errors) if _is_session_wire(root, p))

    def owns(self, path: Path) -> bool:
        return _is_wire_name(path.name) and path.parent.parent.parent.name == "sessions"

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> KimiWireParser:
        from tokenpulse.sources.kimi.parser import KimiWireParser, configured_model

        return KimiWireParser(path, configured_model(path.parent.parent.parent.parent))


def _is_wire_name(name: str) -> bool:
    return name == WIRE


def _is_session_wire(root: Path, path: Path) -> bool:
    """`sessions/<work-dir hash>/<session id>/wire.jsonl`, exactly: sub-agent or tool folders deeper down are
    not sessions of their own (ccusage reads the same depth)."""
    try:
        return len(path.relative_to(root).parts) == 3
    except ValueError:
        return False
