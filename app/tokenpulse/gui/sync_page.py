"""The settings' "Devices" page: the sync folder, this device's name, how project paths are published, and the
other devices (each can be forgotten). Reads and returns a `Sync` settings section; knows nothing of files."""

from __future__ import annotations

from pathlib import Path

import msgspec
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.config.settings import Sync
from tokenpulse.presenters.devices import device_line
from tokenpulse.snapshot import DeviceLine

PROJECT_CHOICES = (("folder", "Folder name only (e.g. “tokenpulse”)"), ("hashed", "Hashed (not readable)"),
                   ("full", "Full path (e.g. /home/me/work/tokenpulse)"))
ABOUT = ("Each machine publishes its numbers (token counts, models, times, chat ids and project names) into"
         " tokenpulse/devices/ of a folder you already keep in sync (Syncthing, a NAS share, Nextcloud…), and"
         " reads the other machines' from there. Prompts, responses, log file paths and reminders are never"
         " published.")


class SyncPage(QWidget):
    def __init__(self, sync: Sync, devices: tuple[DeviceLine, ...], host_name: str, now_ms: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = sync
        self._forgotten = list(sync.forgotten_devices)
        lay = QVBoxLayout(self)
        about = QLabel(ABOUT, wordWrap=True)
        lay.addWidget(about)
        form = QFormLayout()
        self.folder = QLineEdit(sync.folder or "", objectName="sync_folder", placeholderText="not sharing")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._on_choose_clicked)
        stop = QPushButton("Stop sharing", objectName="stop_sharing")
        stop.clicked.connect(self.folder.clear)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        row.addWidget(stop)
        form.addRow("Sync folder", row)
        self.name = QLineEdit(sync.device_name or "", objectName="device_name", placeholderText=host_name)
        form.addRow("This machine's name", self.name)
        self.project_paths = QComboBox(objectName="project_paths")
        for key, label in PROJECT_CHOICES:
            self.project_paths.addItem(label, key)
        self.project_paths.setCurrentIndex(max(0, self.project_paths.findData(sync.project_paths)))
        form.addRow("Project paths published as", self.project_paths)
        lay.addLayout(form)
        lay.addWidget(QLabel("Machines"))
        self.devices = QListWidget(objectName="devices")
        for line in devices:
            item = QListWidgetItem(device_line(line, now_ms))  # plain text: names come from other machines
            item.setData(Qt.ItemDataRole.UserRole, None if line.this else line.device_id)
            self.devices.addItem(item)
        lay.addWidget(self.devices, 1)
        self.forget = QPushButton("Forget the selected machine", objectName="forget_device")
        self.forget.setToolTip("Stop reading it and delete its copy here (its own files in the sync folder stay)")
        self.forget.clicked.connect(self._on_forget_clicked)
        lay.addWidget(self.forget)

    def _on_choose_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "The folder your machines keep in sync")
        if folder:
            self.folder.setText(folder)

    def _on_forget_clicked(self) -> None:
        for item in self.devices.selectedItems():
            device_id = item.data(Qt.ItemDataRole.UserRole)
            if device_id:  # this machine cannot be forgotten (stop sharing instead)
                self._forgotten.append(str(device_id))
                self.devices.takeItem(self.devices.row(item))

    def read(self) -> Sync:
        """The page as settings; ValueError names what does not make sense."""
        text = self.folder.text().strip()
        folder = None
        if text:
            path = Path(text).expanduser()
            if not path.is_absolute() or not path.is_dir():
                raise ValueError(f"sync folder: {text!r} is not an existing folder")
            folder = str(path)
        return msgspec.structs.replace(self._base, folder=folder, device_name=self.name.text().strip() or None,
                       project_paths=str(self.project_paths.currentData()),
                       forgotten_devices=tuple(dict.fromkeys(self._forgotten)))
