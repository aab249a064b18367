"""The tray menu's "Claude Code status line" entry (issue 11): add tokenpulse to it, or take it out again, and
the two calls behind it (the Settings tab uses them too)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtWidgets import QMenu


def add_statusline_menu(menu: QMenu, installed: bool | None, choose: Callable[[str], None]) -> QMenu:
    """A submenu whose one action installs or uninstalls (`choose("install" | "uninstall")`)."""
    sub = menu.addMenu("Claude Code status line")
    if installed is None:
        sub.addAction("Claude Code's settings.json could not be read").setEnabled(False)
        return sub
    if installed:
        sub.addAction("Shows tokenpulse (plan limits, context, waste)").setEnabled(False)
        sub.addAction("Remove tokenpulse from it", lambda: choose("uninstall"))
    else:
        sub.addAction("Add tokenpulse to it (records Claude Code's plan limits)", lambda: choose("install"))
    return sub


def statusline_state(env: Mapping[str, str], home: Path) -> bool | None:
    """Whether Claude Code's status line runs tokenpulse now (None: its settings cannot be read)."""
    from tokenpulse.platform.claude_statusline import installed, settings_path

    return installed(settings_path(env, home))


def change_statusline(action: str, env: Mapping[str, str], home: Path, data_dir: Path | None) -> str:
    """Install ("install") or uninstall tokenpulse in Claude Code's status line; what happened, in a sentence.
    Raises platform.claude_statusline.StatusLineError when it cannot."""
    from tokenpulse.platform.claude_statusline import install, settings_path, tokenpulse_command, uninstall

    path = settings_path(env, home)
    return install(path, tokenpulse_command(data_dir)) if action == "install" else uninstall(path)
