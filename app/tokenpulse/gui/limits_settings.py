"""The settings dialog's "Plan limits" tab (issue 11): reminder levels, the icon's threshold, the fresh-chat
window rule, Claude Code's cached usage, and the Claude Code status line (add / remove)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton, QWidget

from tokenpulse.config.settings import Limits


def _percent(value: float, name: str, maximum: float = 100.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox(objectName=name, minimum=0.0, maximum=maximum, decimals=0, singleStep=5.0, suffix=" %")
    box.setValue(value)
    return box


class LimitsTab(QWidget):
    """`read()` gives the Limits section; the status-line button emits `sig_statusline_requested(action)`."""

    sig_statusline_requested = Signal(str)  # "install" or "uninstall"

    def __init__(self, lim: Limits, statusline_installed: bool | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.addRow(QLabel("The providers' own percentages of your plan's 5-hour and weekly windows, read from"
                           " the logs and Claude Code's status line; never guessed from tokens.", wordWrap=True))
        self.reminders = QCheckBox("Remind me when a plan window fills up", objectName="limit_reminders",
                                   checked=lim.reminders)
        self.warn = _percent(lim.warn_percent, "limit_warn")
        self.urgent = _percent(lim.urgent_percent, "limit_urgent")
        self.reset_reminder = QCheckBox("Tell me when a window resets after I hit its limit",
                                        objectName="limit_reset_reminder", checked=lim.reset_reminder)
        self.icon = _percent(lim.icon_percent, "limit_icon")
        self.share = _percent(lim.context_share * 100, "context_share")
        self.share.setSpecialValueText("off")
        self.cache = QCheckBox("Also read Claude Code's cached account usage (~/.claude.json), shown with its age",
                               objectName="read_claude_cache", checked=lim.read_claude_cache)
        form.addRow(self.reminders)
        form.addRow("First reminder at", self.warn)
        form.addRow("Second reminder at", self.urgent)
        form.addRow(self.reset_reminder)
        form.addRow("Show the tightest window on the icon from", self.icon)
        form.addRow("Fresh-chat reminder also at this share of the model's context window", self.share)
        form.addRow(self.cache)
        self.statusline = QPushButton(objectName="statusline_button")
        self.statusline.clicked.connect(self._on_statusline_clicked)
        self.set_statusline_installed(statusline_installed)
        form.addRow("Claude Code status line", self.statusline)

    def set_statusline_installed(self, installed: bool | None) -> None:
        self._installed = installed
        self.statusline.setEnabled(installed is not None)
        self.statusline.setText("Remove tokenpulse from it" if installed else
                                "Add tokenpulse to it" if installed is not None else "settings.json unreadable")

    def _on_statusline_clicked(self) -> None:
        self.sig_statusline_requested.emit("uninstall" if self._installed else "install")

    def read(self) -> Limits:
        """The tab as a Limits section; ValueError (from Limits) names a value that does not make sense."""
        return Limits(reminders=self.reminders.isChecked(), warn_percent=self.warn.value(),
                      urgent_percent=self.urgent.value(), reset_reminder=self.reset_reminder.isChecked(),
                      icon_percent=self.icon.value(), context_share=round(self.share.value() / 100, 4),
                      read_claude_cache=self.cache.isChecked())
