"""The small message windows the app raises itself: a notice or a warning where neither a notification server
nor a tray balloon can say it, and the question before a restore. Their texts quote paths and values from
files, so they are always plain text, never guessed to be markup."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def notice_box(title: str, text: str, *, warning: bool = False) -> QMessageBox:
    """Show `text` in a non-modal window (nothing may block the event loop, or a test, on it); keep the box."""
    box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information, title, text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setModal(False)
    box.show()
    return box


def confirm_restore(label: str) -> bool:
    """Whether the user wants the store to hold the backup of `label` again."""
    answer = QMessageBox.question(
        None, "Restore a backup",  # type: ignore[arg-type]
        f"Make the store hold the backup of {label} again?\n\nThe store as it is now is kept beside it, and"
        " the logs are read again from where that backup stopped, so calls still in the logs come back.")
    return answer == QMessageBox.StandardButton.Yes
