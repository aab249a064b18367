"""The empty state of a first run that found no agent logs: a small window naming every folder looked in.

Shown once when the first import finds no log file at all (not when the app starts in the background at
login: then the tray menu offers it), and again from the menu. Its words are presenters/first_run.py's,
the same that `tokenpulse scan` prints.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from tokenpulse.presenters.first_run import Looked, no_logs_lines

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
        self.folders.setWordWrap(True)
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
        lines = no_logs_lines(looked, home, Path.is_dir)  # a few stat calls, once: on the GUI thread is fine
        self.headline.setText(lines[0])
        self.folders.setText("\n".join(line.strip() for line in lines[1:-1]))
        self.advice.setText(lines[-1])
        self.adjustSize()

    def _on_log_folders_clicked(self) -> None:
        self.hide()
        self.sig_log_folders_requested.emit()
