"""The empty state of a first run that found no agent logs: a small window naming every folder looked in.

Shown once when the first import finds no log file at all (not when the app starts in the background at
login: then the tray menu offers it), and again from the menu. Its words are presenters/first_run.py's,
the same that `tokenpulse scan` prints.

The folders sit in a read-only text view rather than in labels: a path has no spaces to wrap at, and a label
wraps only between words, so a long one was cut off at the window's edge. The view wraps a path anywhere when
it must (its continuation lines indented under it), scrolls when there are more folders than fit, and lets a
person select and copy a path whole. Everything in it is inserted as plain text: the folders come from the
environment and the settings, never markup.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import QDialogButtonBox, QFrame, QLabel, QPushButton, QTextEdit, QVBoxLayout, QWidget

from tokenpulse.presenters.first_run import ADVICE, HEADLINE, Looked, no_logs_blocks

WIDTH = 620  # the default width: a home-folder path fits on one line; a longer one wraps
MIN_WIDTH = 320
MAX_HEIGHT = 560  # more folders than that scroll
FOLDER_INDENT = 20  # px: a folder sits under its agent...
HANGING = 16  # px: ...and a wrapped path's next lines further in, so that each folder reads as one


class NoLogsWindow(QWidget):
    """`folders` holds one heading per agent and one block per folder; `folder_lines()` reads them back."""

    sig_log_folders_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("tokenpulse: no agent logs found")
        self.setObjectName("no_logs")
        root = QVBoxLayout(self)
        self.headline = QLabel(objectName="no_logs_headline", wordWrap=True)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        root.addWidget(self.headline)
        self.folders = QTextEdit(objectName="no_logs_folders", readOnly=True, acceptRichText=False)
        self.folders.setFrameShape(QFrame.Shape.StyledPanel)
        self.folders.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.folders.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a path: anywhere
        self.folders.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # wrapped, never wide
        self.folders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)  # to copy a path
        root.addWidget(self.folders, 1)
        self.advice = QLabel(objectName="no_logs_advice", wordWrap=True)
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self._fill(blocks)
        self.advice.setText(ADVICE)
        self.resize(self._default_size())

    def folder_lines(self) -> list[str]:
        """What the view shows, one entry per heading or folder (a wrapped path is still one entry)."""
        return self.folders.toPlainText().split("\n")

    def _fill(self, blocks: list[tuple[str, list[str]]]) -> None:
        self.folders.clear()
        cursor = QTextCursor(self.folders.document())
        heading, folder = QTextCharFormat(), QTextCharFormat()
        heading.setFontWeight(QFont.Weight.Bold)
        indented = QTextBlockFormat()
        indented.setLeftMargin(FOLDER_INDENT + HANGING)
        indented.setTextIndent(-HANGING)
        indented.setTopMargin(2)
        first = True
        for title, folders in blocks:
            for text, char_format, block_format in [(f"{title}:", heading, QTextBlockFormat()),
                                                    *((f, folder, indented) for f in folders)]:
                if first:
                    cursor.setBlockFormat(block_format)
                    first = False
                else:
                    cursor.insertBlock(block_format)
                cursor.insertText(text, char_format)  # plain text: nothing in it is read as markup
        self.folders.moveCursor(QTextCursor.MoveOperation.Start)

    def _default_size(self) -> QSize:
        """Wide enough for a usual path, tall enough for the folders up to MAX_HEIGHT, and never larger than
        the screen: what does not fit scrolls, and a path too long for the width wraps."""
        screen = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry().size()
        width = max(min(WIDTH, screen.width()), min(MIN_WIDTH, screen.width()))
        self.setMinimumWidth(min(MIN_WIDTH, screen.width()))
        document = self.folders.document().clone(self)
        document.setTextWidth(width - 60)  # about the view's width inside the window's margins and frame
        others = self.sizeHint().height() - self.folders.sizeHint().height()
        height = others + int(document.size().height()) + 2 * self.folders.frameWidth() + 8
        document.deleteLater()
        return QSize(width, min(height, MAX_HEIGHT, screen.height()))

    def _on_log_folders_clicked(self) -> None:
        self.hide()
        self.sig_log_folders_requested.emit()
