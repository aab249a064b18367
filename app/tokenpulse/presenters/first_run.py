"""The empty state of a first run that found no agent logs: every folder looked in, what moved it, what to do.

Said by the app (a small window, and the tray menu) and by `tokenpulse scan`, in the same words. Pure: the
caller passes how to tell whether a folder exists.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tokenpulse.config.settings import Settings
from tokenpulse.sources import registry

SETTINGS_PLACE = "Settings › Log folders"
HEADLINE = "No agent logs found."


@dataclass(frozen=True, slots=True)
class Looked:
    """One folder a source looked in, and why there (its default, its variable, or the settings)."""

    agent: str  # "Claude Code"
    folder: Path
    env_var: str  # the variable that relocates it
    moved_by: str | None  # the variable's name, SETTINGS_PLACE, or None for the default
    source: str = ""  # the source's stable name, e.g. "claude-code"


def looked_in(settings: Settings, env: Mapping[str, str], home: Path) -> list[Looked]:
    """The folders every source scans, in the order the sources are listed."""
    out: list[Looked] = []
    for source in registry.all_sources():
        chosen = settings.source_roots.get(source.name) or ()
        moved_by: str | None = None
        source_env = dict(env)
        if chosen:
            moved_by = SETTINGS_PLACE
            source_env[source.env_var] = ",".join(chosen)
        elif env.get(source.env_var):
            moved_by = source.env_var
        for folder in source.roots(source_env, home):
            out.append(Looked(source.label, folder, source.env_var, moved_by, source.name))
    return out


def tilde(path: Path, home: Path) -> str:
    """~/… for folders in the home folder: shorter, and what the person would type."""
    try:
        return "~" + os.sep + str(path.relative_to(home))
    except ValueError:
        return str(path)


def chosen_by(item: Looked) -> str:
    """What put an agent's folders where they are, in words: "the default; CODEX_HOME moves it", ..."""
    if item.moved_by == SETTINGS_PLACE:
        return f"chosen in {SETTINGS_PLACE}"
    if item.moved_by:
        return f"moved by {item.moved_by}"
    return f"the default; {item.env_var} moves it"


def no_logs_blocks(looked: list[Looked], home: Path, exists: Callable[[Path], bool]) -> list[tuple[str, list[str]]]:
    """Per agent: a heading saying what chose its folders, and one line per folder saying whether it exists."""
    by_agent: dict[str, list[Looked]] = {}
    for item in looked:
        by_agent.setdefault(item.agent, []).append(item)
    blocks = []
    for agent, items in by_agent.items():
        folders = [f"{tilde(i.folder, home)} ({'empty' if exists(i.folder) else 'missing'})" for i in items]
        blocks.append((f"{agent} ({chosen_by(items[0])})", folders))
    return blocks


ADVICE = (f"To point tokenpulse elsewhere: {SETTINGS_PLACE} in the app, or set the variable named above before"
          " starting it; then run `tokenpulse scan` or restart the app.")


def no_logs_lines(looked: list[Looked], home: Path, exists: Callable[[Path], bool]) -> list[str]:
    """The empty state as text: a headline, each agent with its folders indented beneath, and the advice."""
    lines = [HEADLINE + " tokenpulse looked in:"]
    for heading, folders in no_logs_blocks(looked, home, exists):
        lines.append(f"  {heading}:")
        lines.extend(f"    {folder}" for folder in folders)
    lines.append(ADVICE)
    return lines
