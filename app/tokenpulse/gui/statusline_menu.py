"""The tray menu's "Claude Code status line" entry (issue 11): add tokenpulse to it, or take it out again."""

from __future__ import annotations

from collections.abc import Callable

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
