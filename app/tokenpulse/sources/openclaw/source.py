"""Where OpenClaw (formerly Clawdbot, Moltbot) keeps its agents' session transcripts, live and archived."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

if TYPE_CHECKING:  # the parser module is imported on first use: a scan that finds nothing new
    from tokenpulse.sources.pi.parser import PiSessionParser

SOURCE = "openclaw"
# Every name the project has had: its data folder followed the renames.
_DEFAULT_FOLDERS = (".openclaw", ".clawdbot", ".moltbot", ".moldbot")
# A transcript reset or deleted in OpenClaw is renamed `<session>.jsonl.reset.<time>` / `.jsonl.deleted.<time>`.
_ARCHIVE_MARKS = (".jsonl.reset.", ".jsonl.deleted.")


class OpenClawSource:
    name = SOURCE
    label = "OpenClaw"
    env_var = "OPENCLAW_DIR"  # ccusage's variable: OpenClaw data folders (comma-separated)

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        bases = env_paths(env.get(self.env_var)) or [home / name for name in _DEFAULT_FOLDERS]
        return [base if base.name == "agents" else base / "agents" for base in bases]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        return (p for p in walk_files(root, is_transcript_name, errors) if p.parent.name == "sessions")

    def owns(self, path: Path) -> bool:
        return is_transcript_name(path.name) and path.parent.name == "sessions"

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> PiSessionParser:
        from tokenpulse.sources.pi.parser import PiSessionParser

        return PiSessionParser(path, state, source=SOURCE, session=session_of(path.name),
                               message_time_first=True)


def is_transcript_name(name: str) -> bool:
    return name.endswith(".jsonl") or any(mark in name for mark in _ARCHIVE_MARKS)


def session_of(name: str) -> str:
    """The session id a transcript (live or archived) belongs to: its name up to `.jsonl`."""
    cut = name.find(".jsonl")
    return name[:cut] if cut > 0 else name
