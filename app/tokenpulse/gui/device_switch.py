"""The "This machine / All machines" switch of the summary and the charts (shown once another device shares its
ledger), and the summary's list of devices with the age of each one's numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tokenpulse.presenters.devices import device_line
from tokenpulse.snapshot import Snapshot


class DeviceSwitch(QWidget):
    """Two exclusive buttons; `every` says which is chosen. Hidden while no other device is known."""

    sig_changed = Signal(bool)  # True: all machines (the user's choice; not emitted by set_every)

    def __init__(self, every: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("device_switch")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.this_button = QPushButton("This machine", objectName="this_machine", checkable=True)
        self.all_button = QPushButton("All machines", objectName="all_machines", checkable=True)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for button in (self.this_button, self.all_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self._group.addButton(button)
            row.addWidget(button)
        row.addStretch(1)
        self.set_every(every)
        self.all_button.toggled.connect(self._on_all_button_toggled)
        self.setVisible(False)

    @property
    def every(self) -> bool:
        return self.all_button.isChecked()

    def set_every(self, every: bool) -> None:
        """Show a choice made elsewhere (the settings, the other window) without emitting."""
        self.all_button.blockSignals(True)
        self.this_button.blockSignals(True)
        (self.all_button if every else self.this_button).setChecked(True)
        self.all_button.blockSignals(False)
        self.this_button.blockSignals(False)

    @Slot(bool)
    def _on_all_button_toggled(self, on: bool) -> None:
        self.sig_changed.emit(on)


class DeviceList(QWidget):
    """One plain-text line per device: name, calls, how old its numbers are, and any problem."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("device_list")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(objectName="device_lines")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # names come from other machines
        lay.addWidget(self.label)
        self.setVisible(False)

    def lines(self, snap: Snapshot) -> list[str]:
        if snap.everywhere is None:
            return []
        return [device_line(line, snap.now_ms) for line in snap.everywhere.devices]

    def show_snapshot(self, snap: Snapshot, wrap: object = None) -> None:
        lines = self.lines(snap)
        text = "\n".join(wrap(line) if callable(wrap) else line for line in lines)
        self.label.setText(text)
        self.setVisible(bool(lines))
