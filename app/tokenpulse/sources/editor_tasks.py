"""Agents that live in a VS Code-family editor and keep each task in `<globalStorage>/<extension id>/tasks/`.

Cline and its forks (Roo Code, Kilo Code) write `tasks/<task id>/ui_messages.json`. Each of them is a source of
its own (a small subclass naming its extension); this module knows the editors' storage folders and which
files are task logs. The reading is in `task_messages.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.sources.base import FileKind, Parsed
from tokenpulse.sources.fields import env_paths
from tokenpulse.sources.walk import WalkErrors, walk_files

TASK_FILE = "ui_messages.json"
# The editors' application folder names: VS Code, its Insiders build, VSCodium, Cursor, Windsurf.
EDITORS = ("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf")
# Their remote-server data folders (an editor attached over SSH, in a container or in WSL keeps its
# extensions' storage on the remote side).
REMOTE_SERVERS = (".vscode-server", ".vscode-server-insiders", ".cursor-server", ".windsurf-server")


def global_storage_folders(env: Mapping[str, str], home: Path) -> list[Path]:
    """Every `User/globalStorage` folder the editors use on Linux, macOS and Windows, and on remote servers."""
    bases = [Path(env.get("XDG_CONFIG_HOME") or home / ".config"), home / "Library" / "Application Support"]
    appdata = env.get("APPDATA")
    if appdata:
        bases.append(Path(appdata))
    folders = [base / editor / "User" / "globalStorage" for base in bases for editor in EDITORS]
    folders += [home / server / "data" / "User" / "globalStorage" for server in REMOTE_SERVERS]
    unique: list[Path] = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


class EditorTaskSource:
    """A Cline-family extension: its task folders in every editor's global storage.

    The environment variable (tokenpulse's own: the extensions have none) names extension storage folders
    directly, comma-separated, replacing the defaults; each must hold `tasks/`.
    """

    name = ""
    label = ""
    env_var = ""
    extension_id = ""  # the marketplace id, e.g. `saoudrizwan.claude-dev`

    def roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        configured = env_paths(env.get(self.env_var))
        if configured:
            return [p if p.name == "tasks" else p / "tasks" for p in configured]
        return [folder / self.extension_id / "tasks" for folder in global_storage_folders(env, home)]

    def iter_files(self, root: Path, errors: WalkErrors | None = None) -> Iterator[Path]:
        # `tasks/<task id>/ui_messages.json`: checkpoints and other folders deeper down are not tasks
        return (p for p in walk_files(root, _is_task_name, errors) if p.parent.parent == root)

    def owns(self, path: Path) -> bool:
        return _is_task_name(path.name) and path.parent.parent.name == "tasks"

    def file_kind(self, path: Path) -> FileKind:
        return "document"

    def read_document(self, path: Path, data: bytes) -> Parsed:
        from tokenpulse.sources.task_messages import read_task  # imported on first use, as the other parsers

        return read_task(path, data, self.name)

    def parser(self, path: Path, state: Mapping[str, Any] | None) -> Any:
        raise TypeError(f"{self.label} has no line-based logs")  # file_kind always says "document"


def _is_task_name(name: str) -> bool:
    return name == TASK_FILE
