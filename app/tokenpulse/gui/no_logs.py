"""The empty state of a first run that found no agent logs: a small window naming every folder looked in.

Shown once when the first import finds no log file at all (not when the app starts in the background at
login: then the tray menu offers it), and again from the menu. Its words are presenters/first_run.py's,
the same that `tokenpulse scan` prints.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from tokenpulse.presenters.first_run import ADVICE, HEADLINE, Looked, no_logs_blocks

WIDTH = 560


class NoLogsWindow(QWidget):
    """Plain text only (the folders come from the environment and the settings: never markup)."""

    sig_log_folders_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("tokenpulse: no agent logs found")
        self.setObjectName("no_logs")
        self.setMinimumWidth(WIDTH)
        root = QVBoxLayout(self)
        self.headline = QLabel(objectName="no_logs_headline")
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        root.addWidget(self.headline)
        self.folders = QLabel(objectName="no_logs_folders")
        self.folders.setTextFormat(Qt.TextFormat.PlainText)
        self.folders.setWordWrap(False)  # one folder per line; a long path widens the window instead
        self.folders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy a path
        root.addWidget(self.folders)
        self.advice = QLabel(objectName="no_logs_advice")
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setWordWrap(True)
        root.addWidget(self.advice)
        buttons = QDialogButtonBox()
        self.log_folders_button = QPushButton("Log folders…", objectName="no_logs_settings")
        self.log_folders_button.clicked.connect(self._on_log_folders_clicked)
        buttons.addButton(self.log_folders_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.hide)
        root.addWidget(buttons)

    def set_looked(self, looked: list[Looked], home: Path) -> None:
        blocks = no_logs_blocks(looked, home, Path.is_dir)  # a few stat calls, once: on the GUI thread is fine
        self.headline.setText(f"{HEADLINE} tokenpulse looked in:")
        self.folders.setText("\n".join(f"{heading}:\n" + "\n".join(f"    {f}" for f in folders)
                                       for heading, folders in blocks))
        self.advice.setText(ADVICE)
        # adjustSize() would cap the width at 2/3 of the screen and cut long paths: fit them up to the screen
        screen = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry().size()
        self.resize(self.sizeHint().expandedTo(self.minimumSize()).boundedTo(screen))

    def _on_log_folders_clicked(self) -> None:
        self.hide()
        self.sig_log_folders_requested.emit()
