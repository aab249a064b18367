"""The settings form: typed fields for every Settings value; Save hands a new Settings to whoever listens.

The schema in `config/settings.py` decides what is valid: the spin boxes take their ranges from it, and the
form's result is checked against it before it is handed on (its message is shown under the tabs).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.clock import zone
from tokenpulse.config.settings import PriceOverride, Reminders, Settings, SettingsError, bounds, with_changes
from tokenpulse.gui.limits_settings import LimitsTab
from tokenpulse.gui.sources_page import SourcesPage
from tokenpulse.gui.sync_page import SyncPage
from tokenpulse.sources.base import Source

PRICE_COLUMNS = ("Model", "Input", "Output", "Cache read", "Cache write 5m", "Cache write 1h")


class SettingsDialog(QDialog):
    """Knows nothing of files: `default_roots` (source name → folders used when none are set) is given."""

    sig_settings_saved = Signal(object)  # Settings

    def __init__(self, settings: Settings, sources: list[Source], default_roots: Mapping[str, list[Path]],
                 autostart_on: bool, local_zone: str, sync_page: SyncPage | None = None,
                 parent: QWidget | None = None, *, home: Path | None = None,
                 statusline_installed: bool | None = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("tokenpulse settings")
        self._base = settings
        self.tabs = tabs = QTabWidget()
        tabs.addTab(self._general(settings, autostart_on, local_zone), "General")
        folders = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        folders.setWidget(self._folders(settings, sources, default_roots))  # one box per agent: can be many
        tabs.addTab(folders, "Log folders")
        # each agent's health, filled by whoever opened the dialog (gui/sources_page.py)
        self.sources_page = SourcesPage(home or Path.home(), zone(settings.timezone))
        tabs.addTab(self.sources_page, "Sources")
        tabs.addTab(self._prices(settings), "Prices")
        tabs.addTab(self._reminders(settings.reminders), "Reminders")
        self.limits = LimitsTab(settings.limits, statusline_installed)  # plan limits (issue 11)
        tabs.addTab(self.limits, "Plan limits")
        self.sync_page = sync_page
        if sync_page is not None:
            tabs.addTab(sync_page, "Devices")
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(760, 560)  # Sources shows a table of five columns

    # --- building ---------------------------------------------------------------------------------------

    def _general(self, s: Settings, autostart_on: bool, local_zone: str) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.zone = QComboBox(objectName="zone", editable=True)
        self.zone.addItem(f"System ({local_zone})", None)
        for name in sorted(available_timezones()):
            self.zone.addItem(name, name)
        index = self.zone.findData(s.timezone) if s.timezone else 0
        self.zone.setCurrentIndex(max(index, 0))
        form.addRow("Time zone for days and weeks", self.zone)
        self.start_at_login = QCheckBox("Start tokenpulse when I log in", objectName="start_at_login")
        self.start_at_login.setChecked(autostart_on)
        form.addRow(self.start_at_login)
        return page

    def _folders(self, s: Settings, sources: list[Source], defaults: Mapping[str, list[Path]]) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.roots: dict[str, QListWidget] = {}
        for source in sources:
            box = QGroupBox(source.label)
            inner = QVBoxLayout(box)
            shown = ", ".join(str(p) for p in defaults.get(source.name, [])) or "none"
            note = QLabel(f"Empty list: the default folders are read ({shown}). Folders added here replace"
                          f" them, like ${source.env_var}.", wordWrap=True)
            inner.addWidget(note)
            listing = QListWidget(objectName=f"roots_{source.name}")
            listing.addItems(list(s.source_roots.get(source.name, ())))
            listing.setMaximumHeight(64)
            inner.addWidget(listing)
            row = QHBoxLayout()
            add = QPushButton("Add folder…")
            add.clicked.connect(lambda _=False, n=source.name: self._on_add_clicked(n))
            remove = QPushButton("Remove")
            remove.clicked.connect(lambda _=False, w=listing: [w.takeItem(w.row(i)) for i in w.selectedItems()])
            row.addWidget(add)
            row.addWidget(remove)
            row.addStretch()
            inner.addLayout(row)
            self.roots[source.name] = listing
            lay.addWidget(box)
        lay.addStretch()
        return page

    def _prices(self, s: Settings) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel("Your own prices, in US dollars per million tokens, replace the built-in ones for"
                             " that model. Empty cache cells use the input price.", wordWrap=True))
        self.prices = QTableWidget(0, len(PRICE_COLUMNS), objectName="prices")
        self.prices.setHorizontalHeaderLabels(PRICE_COLUMNS)
        self.prices.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for model, o in s.price_overrides.items():
            self.add_price_row(model, o)
        lay.addWidget(self.prices)
        row = QHBoxLayout()
        add = QPushButton("Add model")
        add.clicked.connect(lambda: self.add_price_row("", None))
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: self.prices.removeRow(self.prices.currentRow()))
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch()
        lay.addLayout(row)
        return page

    def _reminders(self, r: Reminders) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.fresh_chat = QCheckBox("Suggest a fresh chat when a chat's context gets long", checked=r.fresh_chat)
        self.threshold = _spin(r.context_threshold, "context_threshold", 10_000, " tokens", "threshold")
        low, high = _range("growth_factor")
        self.growth = QDoubleSpinBox(objectName="growth", minimum=low, maximum=high, singleStep=0.5,
                                     value=r.growth_factor, suffix=" × first context")
        self.min_calls = _spin(r.min_calls, "min_calls", 1, " calls", "min_calls")
        self.recap = _spin(r.recap_allowance, "recap_allowance", 1_000, " tokens", "recap")
        self.cache_expiry = QCheckBox("Tell me when a paused chat's cache has expired", checked=r.cache_expiry)
        self.quiet_start = QLineEdit(r.quiet_start or "", objectName="quiet_start", placeholderText="22:00")
        self.quiet_end = QLineEdit(r.quiet_end or "", objectName="quiet_end", placeholderText="08:00")
        self.budgets = {name: _money(getattr(r, f"{name}_budget_usd"), name)
                        for name in ("daily", "weekly", "monthly")}
        self.output_goal = _spin(r.daily_output_goal or 0, "daily_output_goal", 10_000, " tokens", "output_goal",
                                 none_below=True)
        self.output_goal.setSpecialValueText("none")
        form.addRow(self.fresh_chat)
        form.addRow("Context threshold", self.threshold)
        form.addRow("…and at least", self.growth)
        form.addRow("…after", self.min_calls)
        form.addRow("Recap allowance", self.recap)
        form.addRow(self.cache_expiry)
        form.addRow("Quiet hours from", self.quiet_start)
        form.addRow("Quiet hours until", self.quiet_end)
        for name, box in self.budgets.items():
            form.addRow(f"{name.capitalize()} budget", box)
        form.addRow("Daily output goal", self.output_goal)
        return page

    def add_price_row(self, model: str, o: PriceOverride | None) -> None:
        row = self.prices.rowCount()
        self.prices.insertRow(row)
        values = [model] + ([] if o is None else
                            [o.input, o.output, o.cache_read, o.cache_write_5m, o.cache_write_1h])
        for col, value in enumerate(values):
            self.prices.setItem(row, col, QTableWidgetItem("" if value is None else str(value)))

    def add_root(self, source: str, folder: str) -> None:
        self.roots[source].addItem(folder)

    def _on_add_clicked(self, source: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a log folder")
        if folder:
            self.add_root(source, folder)

    # --- reading ----------------------------------------------------------------------------------------

    def settings(self) -> Settings:
        """The form as Settings checked against the schema; ValueError names the first field that does not fit."""
        roots = {name: tuple(w.item(i).text() for i in range(w.count())) for name, w in self.roots.items()}
        try:
            return with_changes(self._base, timezone=_typed_zone(self.zone.currentText()),
                                source_roots={k: v for k, v in roots.items() if v},
                                price_overrides=self._read_prices(), reminders=self._read_reminders(),
                                start_at_login=self.start_at_login.isChecked(),
                                sync=self.sync_page.read() if self.sync_page is not None else self._base.sync,
                                limits=self.limits.read())
        except SettingsError as exc:
            raise ValueError(exc.problem) from None

    def _read_prices(self) -> dict[str, PriceOverride]:
        out: dict[str, PriceOverride] = {}
        for row in range(self.prices.rowCount()):
            cells = [(self.prices.item(row, c).text().strip() if self.prices.item(row, c) else "")
                     for c in range(len(PRICE_COLUMNS))]
            if not any(cells):
                continue
            model, numbers = cells[0], [_price(c, PRICE_COLUMNS[i + 1], cells[0]) for i, c in enumerate(cells[1:])]
            if not model:
                raise ValueError(f"price row {row + 1}: the model name is missing")
            if numbers[0] is None or numbers[1] is None:
                raise ValueError(f"price for {model}: input and output prices are needed")
            out[model] = PriceOverride(*numbers)  # type: ignore[arg-type]
        return out

    def _read_reminders(self) -> Reminders:
        quiet = [w.text().strip() or None for w in (self.quiet_start, self.quiet_end)]
        budgets = {f"{k}_budget_usd": (b.value() or None) for k, b in self.budgets.items()}
        return Reminders(fresh_chat=self.fresh_chat.isChecked(), context_threshold=self.threshold.value(),
                         growth_factor=self.growth.value(), min_calls=self.min_calls.value(),
                         recap_allowance=self.recap.value(), cache_expiry=self.cache_expiry.isChecked(),
                         quiet_start=quiet[0], quiet_end=quiet[1], daily_output_goal=self.output_goal.value() or None,
                         **budgets)

    def _on_buttons_accepted(self) -> None:
        try:
            new = self.settings()
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.sig_settings_saved.emit(new)
        self.accept()


def _range(field: str) -> tuple[float, float]:
    """The schema's bounds for a reminder setting (every number there has both)."""
    low, high = bounds(Reminders, field)
    assert low is not None and high is not None
    return low, high


def _spin(value: int, field: str, step: int, suffix: str, name: str, none_below: bool = False) -> QSpinBox:
    """A box over the schema's range for `field`; with `none_below`, one step under it reads "none" (unset)."""
    low, high = _range(field)
    box = QSpinBox(objectName=name, minimum=int(low) - 1 if none_below else int(low), maximum=int(high),
                   singleStep=step, suffix=suffix)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    return box


def _money(value: float | None, name: str) -> QDoubleSpinBox:
    """0 reads "none" (the schema wants a budget above 0, or none at all)."""
    _low, high = _range(f"{name}_budget_usd")
    box = QDoubleSpinBox(objectName=f"budget_{name}", minimum=0.0, maximum=high, decimals=2, prefix="$")
    box.setValue(value or 0.0)
    box.setSpecialValueText("none")
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    return box


def _price(cell: str, column: str, model: str) -> float | None:
    if not cell:
        return None
    try:
        value = float(cell.lstrip("$"))
    except ValueError:
        raise ValueError(f"price for {model or 'a model'}: {column} {cell!r} is not a number") from None
    if value < 0:
        raise ValueError(f"price for {model or 'a model'}: {column} cannot be negative")
    return value


def _typed_zone(name: str) -> str | None:
    """None for the system entry; any other text is checked by the schema (an IANA name)."""
    name = name.strip()
    if not name or name.startswith("System ("):
        return None
    return name
