"""The settings form: typed fields for every Settings value; Save hands a new Settings to whoever listens.

The schema in `config/settings.py` decides what is valid: the spin boxes take their ranges from it, and the
form's result is checked against it before it is handed on (its message is shown under the tabs). Beside the
choices it shows what they act on, read on a worker thread: whether each log folder exists and how
many logs it holds, and the built-in price of every model in the store (or that it has none). Fields that are
off look off: disabled, or greyed "none", never a placeholder that reads like a value.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.clock import zone
from tokenpulse.config.settings import PriceOverride, Settings, SettingsError, bounds, with_changes
from tokenpulse.gui.limits_settings import LimitsTab
from tokenpulse.gui.reminders_settings import RemindersTab
from tokenpulse.gui.settings_fields import (
    FIELD_WIDTH,
    Job,
    Poster,
    form_layout,
    greyed_when_none,
    spin_field,
)
from tokenpulse.gui.settings_prices import BuiltinPrices, read_prices
from tokenpulse.gui.sources_page import SourcesPage
from tokenpulse.gui.sync_page import SyncPage
from tokenpulse.gui.work_settings import TAB_NAME as WORK_TAB
from tokenpulse.gui.work_settings import WorkTab
from tokenpulse.insights.inventory import FolderStatus, ModelPrice, folder_status, root_status
from tokenpulse.presenters.numbers import grouped
from tokenpulse.sources.base import Source

PRICE_COLUMNS = ("Model", "Input", "Output", "Cache read", "Cache write 5m", "Cache write 1h")
WARN = "#c62828"


class SettingsDialog(QDialog):
    """Knows nothing of files: `default_roots` (source name → folders used when none are set) is given."""

    sig_settings_saved = Signal(object)  # Settings

    def __init__(self, settings: Settings, sources: list[Source], default_roots: Mapping[str, list[Path]],
                 autostart_on: bool, local_zone: str, sync_page: SyncPage | None = None,
                 parent: QWidget | None = None, *, database: Path | None = None, home: Path | None = None,
                 statusline_installed: bool | None = False) -> None:
        """`database` (read only) and `home` let it show the models' built-in prices and count the logs."""
        super().__init__(parent)
        self.setWindowTitle("tokenpulse settings")
        self._base = settings
        self._sources = {s.name: s for s in sources}
        self._defaults = default_roots
        self._database = database
        self._home = home or Path.home()
        self._poster = Poster(self)
        self._poster.sig_done.connect(self._on_job_done)
        self.pending_jobs = 0
        self.folder_status: dict[str, list[FolderStatus]] = {}
        self.builtin: list[ModelPrice] | None = None
        self.tabs = tabs = QTabWidget()
        tabs.addTab(self._general(settings, autostart_on, local_zone), "General")
        folders = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        folders.setWidget(self._folders(settings, sources, default_roots))  # one box per agent: can be many
        tabs.addTab(folders, "Log folders")
        # each agent's health, filled by whoever opened the dialog (gui/sources_page.py)
        self.sources_page = SourcesPage(self._home, zone(settings.timezone))
        tabs.addTab(self.sources_page, "Sources")
        tabs.addTab(self._prices(settings), "Prices")
        self.reminders_tab = RemindersTab(settings.reminders)
        tabs.addTab(self.reminders_tab, "Reminders")
        self.limits = LimitsTab(settings.limits, statusline_installed)  # plan limits (issue 11)
        tabs.addTab(self.limits, "Plan limits")
        self.work = WorkTab(settings.git_emails)  # whose commits are yours (issue 15)
        tabs.addTab(self.work, WORK_TAB)
        self.sync_page = sync_page
        if sync_page is not None:
            tabs.addTab(sync_page, "Devices")
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed: never markup
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
        for name in self.roots:
            self._count_logs(name)
        if database is not None:
            self._run(lambda: read_prices(database), self._show_builtin)

    # --- work on a worker thread ------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.pending_jobs += 1
        QThreadPool.globalInstance().start(Job(self._poster, work, done))

    @Slot(object, object)
    def _on_job_done(self, done: Callable[[Any], None], result: object) -> None:
        self.pending_jobs -= 1
        done(result)

    # --- building ---------------------------------------------------------------------------------------

    def _general(self, s: Settings, autostart_on: bool, local_zone: str) -> QWidget:
        page = QWidget()
        form = form_layout(page)
        self.zone = QComboBox(objectName="zone", editable=True)
        self.zone.setMinimumWidth(FIELD_WIDTH)
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
        lay.addLayout(self._rescan(s))
        self.roots: dict[str, QListWidget] = {}
        self.status_labels: dict[str, QLabel] = {}
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
            status = QLabel(objectName=f"status_{source.name}", wordWrap=True)
            status.setTextFormat(Qt.TextFormat.RichText)  # folder names are escaped (they may hold markup)
            status.setText("<i>counting logs…</i>")
            inner.addWidget(status)
            self.status_labels[source.name] = status
            row = QHBoxLayout()
            add = QPushButton("Add folder…")
            add.clicked.connect(lambda _=False, n=source.name: self._on_add_clicked(n))
            remove = QPushButton("Remove")
            remove.clicked.connect(lambda _=False, w=listing, n=source.name: self._remove_selected(w, n))
            row.addWidget(add)
            row.addWidget(remove)
            row.addStretch()
            inner.addLayout(row)
            self.roots[source.name] = listing
            lay.addWidget(box)
        lay.addStretch()
        return page

    def _rescan(self, s: Settings) -> QFormLayout:
        """How often the app reads every folder again, to catch what its watcher missed (issue 18 §2)."""
        form = QFormLayout()
        low, high = bounds(Settings, "rescan_minutes")
        assert low is not None and high is not None  # the schema bounds every number
        self.rescan = spin_field(s.rescan_minutes, int(low), int(high), 15, " min", "rescan_minutes")
        self.rescan.setSpecialValueText("never")  # 0: the watcher alone
        greyed_when_none(self.rescan)
        self.rescan.setToolTip(f"From {int(low)} (never) to {grouped(int(high))} minutes (a week). Unchanged files are"
                               " skipped on their size and time, so a rescan is cheap.")
        form.addRow("Read every folder again every", self.rescan)
        return form

    def _remove_selected(self, listing: QListWidget, source: str) -> None:
        for item in listing.selectedItems():
            listing.takeItem(listing.row(item))
        self._count_logs(source)

    def _count_logs(self, source_name: str) -> None:
        """Count the logs of the folders in effect for this agent (the chosen ones, else the defaults)."""
        source = self._sources[source_name]
        listing = self.roots[source_name]
        chosen = [listing.item(i).text() for i in range(listing.count())]
        home = self._home
        if chosen:
            def work() -> list[FolderStatus]:
                return [folder_status(source, Path(f), home) for f in chosen]
        else:
            defaults = list(self._defaults.get(source_name, []))

            def work() -> list[FolderStatus]:
                return [root_status(source, root) for root in defaults]
        self._run(work, lambda found, n=source_name, c=chosen: self._show_folders(n, c, found))

    def _show_folders(self, source: str, chosen: list[str], found: object) -> None:
        listing = self.roots[source]
        if chosen != [listing.item(i).text() for i in range(listing.count())]:
            return  # the list changed while counting: its own count follows
        label = self.status_labels[source]
        if isinstance(found, Exception):
            label.setText(f"<span style='color:{WARN}'>could not look: {html.escape(str(found))}</span>")
            return
        assert isinstance(found, list)
        self.folder_status[source] = found
        lines = []
        for f in found:
            name = html.escape(f.path)
            if not f.exists and chosen:  # a folder the user chose is gone: worth a red line
                lines.append(f"<span style='color:{WARN}'>&#10007; {name}: does not exist</span>")
                continue
            if not f.exists:  # a default folder of an agent not in use here: normal, said in grey
                lines.append(f"<span style='color:gray'>&#8211; {name}: not there</span>")
                continue
            count = f"{grouped(f.logs)}{' or more' if f.capped else ''} log{'s' if f.logs != 1 else ''}"
            extra = f" ({f.unreadable} folders could not be read)" if f.unreadable else ""
            lines.append(f"&#10003; {name}: {count}{extra}")
        what = "Chosen folders" if chosen else "Default folders"
        label.setText(f"{what}:<br>" + "<br>".join(lines) if lines else f"{what}: none")

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
        lay.addWidget(self.prices, 1)
        row = QHBoxLayout()
        add = QPushButton("Add model")
        add.clicked.connect(lambda: self.add_price_row("", None))
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: self.prices.removeRow(self.prices.currentRow()))
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch()
        lay.addLayout(row)
        self.builtin_panel = BuiltinPrices()
        self.builtin_panel.sig_model_picked.connect(self._on_builtin_picked)
        self.builtin_note, self.builtin_table = self.builtin_panel.note, self.builtin_panel.table
        lay.addWidget(self.builtin_panel, 1)
        return page

    def _show_builtin(self, found: object) -> None:
        self.builtin_panel.show_prices(found)
        self.builtin = self.builtin_panel.prices

    def _on_builtin_picked(self, m: ModelPrice) -> None:
        r = m.rates
        self.add_price_row(m.model, None if r is None else PriceOverride(
            r.input[0], r.output[0], r.cache_read[0], r.cache_write_5m[0], r.cache_write_1h[0]))

    def add_price_row(self, model: str, o: PriceOverride | None) -> None:
        row = self.prices.rowCount()
        self.prices.insertRow(row)
        values = [model] + ([] if o is None else
                            [o.input, o.output, o.cache_read, o.cache_write_5m, o.cache_write_1h])
        for col, value in enumerate(values):
            self.prices.setItem(row, col, QTableWidgetItem("" if value is None else str(value)))

    def add_root(self, source: str, folder: str) -> None:
        self.roots[source].addItem(folder)
        self._count_logs(source)

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
                                price_overrides=self._read_prices(), reminders=self.reminders_tab.read(),
                                start_at_login=self.start_at_login.isChecked(),
                                sync=self.sync_page.read() if self.sync_page is not None else self._base.sync,
                                limits=self.limits.read(), git_emails=self.work.read(),
                                rescan_minutes=self.rescan.value())
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

    def _on_buttons_accepted(self) -> None:
        try:
            new = self.settings()
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.sig_settings_saved.emit(new)
        self.accept()


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
