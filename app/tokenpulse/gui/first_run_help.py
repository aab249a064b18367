"""What the app does when an import finds no agent log in any folder: the tray says so, and the first-run
window names every folder looked in and what chose it (once per run, never at a login start: the tray menu
offers it then); logs found later clear it all."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from tokenpulse.gui.no_logs import NoLogsWindow
from tokenpulse.gui.tray import Tray
from tokenpulse.presenters.first_run import Looked

log = logging.getLogger(__name__)


class FirstRunHelp(QObject):
    """Fed the import's progress; `looked()` says where the logs were looked for now (the settings may change)."""

    sig_log_folders_requested = Signal()  # the window's way to Settings › Log folders

    def __init__(self, tray: Tray | None, background: bool, looked: Callable[[], tuple[list[Looked], Path]]) -> None:
        super().__init__()
        self.tray = tray
        self.background = background
        self.looked = looked
        self.window: NoLogsWindow | None = None
        self.said = False  # the window opened by itself once this run
        if tray is not None:
            tray.sig_no_logs_help_requested.connect(self.show)

    @Slot(int, int)
    def progress_changed(self, done: int, total: int) -> None:
        """An import counts the files first: none at all means no agent log was found in any folder."""
        found_none = done == 0 and total == 0
        if done == total:
            log.info("import: %d log file(s) read", total)
        if self.tray is not None and self.tray.no_logs != found_none:
            self.tray.no_logs = found_none
            self.tray.refresh()
        if not found_none:
            if self.window is not None:
                self.window.hide()
            return
        log.warning("no agent logs found in any folder (the first-run window names them)")
        if not self.said and not self.background:
            self.said = True
            self.show()

    @Slot()
    def show(self) -> None:
        if self.window is None:
            self.window = NoLogsWindow()
            self.window.sig_log_folders_requested.connect(self.sig_log_folders_requested)
        looked, home = self.looked()
        self.window.set_looked(looked, home)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
