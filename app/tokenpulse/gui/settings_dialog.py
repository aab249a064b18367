"""The settings form: typed fields for every Settings value; Save hands a new Settings to whoever listens.

Beside the choices it shows what they act on, read on a worker thread: whether each log folder exists and how
many logs it holds, and the built-in price of every model in the store (or that it has none). Fields that are
off look off: disabled, or greyed "none", never a placeholder that reads like a value.
"""

from __future__ import annotations

import contextlib
import html
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTime, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
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
    QListWidget,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.config.settings import PriceOverride, Reminders, Settings
from tokenpulse.insights.inventory import FolderStatus, ModelPrice, builtin_prices, folder_status, root_status
from tokenpulse.presenters.numbers import grouped
from tokenpulse.sources.base import Source

PRICE_COLUMNS = ("Model", "Input", "Output", "Cache read", "Cache write 5m", "Cache write 1h")
BUILTIN_COLUMNS = ("Model", "Calls", "Input", "Output", "Cache read", "Cache write 5m", "Cache write 1h")
FIELD_WIDTH = 190  # every field of a form the same width, labels right-aligned beside them
WARN = "#c62828"


class _Poster(QObject):
    """Carries a worker thread's result back to the GUI thread (a queued signal)."""

    sig_done = Signal(object, object)  # (callback, result)


class _Job(QRunnable):
    def __init__(self, poster: _Poster, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        super().__init__()
        self._poster, self._work, self._done = poster, work, done

    def run(self) -> None:
        try:
            result = self._work()
        except (OSError, sqlite3.Error) as exc:  # an unreadable store or folder: said, never a crash
            result = exc
        with contextlib.suppress(RuntimeError):  # the dialog closed meanwhile
            self._poster.sig_done.emit(self._done, result)


class SettingsDialog(QDialog):
    """Knows nothing of files: `default_roots` (source name → folders used when none are set) is given."""

    sig_settings_saved = Signal(object)  # Settings

    def __init__(self, settings: Settings, sources: list[Source], default_roots: Mapping[str, list[Path]],
                 autostart_on: bool, local_zone: str, parent: QWidget | None = None, *,
                 database: Path | None = None, home: Path | None = None) -> None:
        """`database` (read only) and `home` let it show the models' built-in prices and count the logs."""
        super().__init__(parent)
        self.setWindowTitle("tokenpulse settings")
        self._base = settings
        self._sources = {s.name: s for s in sources}
        self._defaults = default_roots
        self._database = database
        self._home = home or Path.home()
        self._poster = _Poster(self)
        self._poster.sig_done.connect(self._on_job_done)
        self.pending_jobs = 0
        self.folder_status: dict[str, list[FolderStatus]] = {}
        self.builtin: list[ModelPrice] | None = None
        tabs = QTabWidget()
        tabs.addTab(self._general(settings, autostart_on, local_zone), "General")
        folders = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        folders.setWidget(self._folders(settings, sources, default_roots))  # one box per agent: can be many
        tabs.addTab(folders, "Log folders")
        tabs.addTab(self._prices(settings), "Prices")
        tabs.addTab(self._reminders(settings.reminders), "Reminders")
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
        self.resize(700, 560)
        for name in self.roots:
            self._count_logs(name)
        if database is not None:
            self._run(lambda: _read_prices(database), self._show_builtin)

    # --- work on a worker thread ------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.pending_jobs += 1
        QThreadPool.globalInstance().start(_Job(self._poster, work, done))

    @Slot(object, object)
    def _on_job_done(self, done: Callable[[Any], None], result: object) -> None:
        self.pending_jobs -= 1
        done(result)

    # --- building ---------------------------------------------------------------------------------------

    def _general(self, s: Settings, autostart_on: bool, local_zone: str) -> QWidget:
        page = QWidget()
        form = _form(page)
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
            if not f.exists:
                lines.append(f"<span style='color:{WARN}'>&#10007; {name}: does not exist</span>")
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
        self.builtin_note = QLabel("Built-in prices of the models in your logs: reading the store…", wordWrap=True,
                                   objectName="builtin_note")
        lay.addWidget(self.builtin_note)
        self.builtin_table = QTableWidget(0, len(BUILTIN_COLUMNS), objectName="builtin_prices")
        self.builtin_table.setHorizontalHeaderLabels(BUILTIN_COLUMNS)
        self.builtin_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.builtin_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.builtin_table.verticalHeader().setVisible(False)
        self.builtin_table.setToolTip("Double-click a model to set your own price for it")
        self.builtin_table.cellDoubleClicked.connect(self._on_builtin_double_clicked)
        lay.addWidget(self.builtin_table, 1)
        return page

    def _show_builtin(self, found: object) -> None:
        if isinstance(found, Exception):
            self.builtin_note.setText(f"Built-in prices: the store could not be read ({found}).")
            return
        assert isinstance(found, list)
        self.builtin = found
        table = self.builtin_table
        table.setRowCount(len(found))
        missing = [m for m in found if m.rates is None]
        for row, m in enumerate(found):
            cells = [m.model, grouped(m.calls)]
            if m.rates is None:
                cells += ["no built-in price", "", "", "", ""]
            else:
                r = m.rates
                cells += [_per_million(r.input[0]), _per_million(r.output[0]), _per_million(r.cache_read[0]),
                          _per_million(r.cache_write_5m[0]), _per_million(r.cache_write_1h[0])]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col >= 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if m.rates is None:
                    item.setForeground(QColor(WARN))
                table.setItem(row, col, item)
            if m.rates is None:
                table.setSpan(row, 2, 1, len(BUILTIN_COLUMNS) - 2)
        if not found:
            self.builtin_note.setText("Built-in prices: no model in your logs yet.")
        elif missing:
            names = ", ".join(m.model for m in missing)
            self.builtin_note.setText(
                f"Built-in prices (USD per million tokens, on the day each was last used). {len(missing)} of"
                f" {len(found)} models have none: {names}. Their calls cost \"no price\" until you set one above"
                " (double-click a model to add it).")
        else:
            self.builtin_note.setText(f"Built-in prices (USD per million tokens, on the day each was last used):"
                                      f" all {len(found)} models in your logs have one.")

    def _on_builtin_double_clicked(self, row: int, _column: int) -> None:
        if self.builtin is None or not 0 <= row < len(self.builtin):
            return
        m = self.builtin[row]
        r = m.rates
        self.add_price_row(m.model, None if r is None else PriceOverride(
            r.input[0], r.output[0], r.cache_read[0], r.cache_write_5m[0], r.cache_write_1h[0]))

    def _reminders(self, r: Reminders) -> QWidget:
        page = QWidget()
        form = _form(page)
        self.fresh_chat = QCheckBox("Suggest a fresh chat when a chat's context gets long", checked=r.fresh_chat)
        self.threshold = _spin(r.context_threshold, 1_000, 10_000_000, 10_000, " tokens", "threshold")
        self.growth = QDoubleSpinBox(objectName="growth", minimum=1.0, maximum=100.0, singleStep=0.5,
                                     value=r.growth_factor, suffix=" × first context")
        _field(self.growth)
        self.min_calls = _spin(r.min_calls, 1, 10_000, 1, " calls", "min_calls")
        self.recap = _spin(r.recap_allowance, 0, 1_000_000, 1_000, " tokens", "recap")
        self.recap.setToolTip("What a fresh chat may re-read to catch up; re-reading above the first context plus"
                              " this is long-chat waste")
        self.cache_expiry = QCheckBox("Tell me when a paused chat's cache has expired", checked=r.cache_expiry)
        self.quiet = QCheckBox("Quiet hours: no reminders", objectName="quiet",
                               checked=r.quiet_start is not None and r.quiet_end is not None)
        self.quiet_start = _time(r.quiet_start or "22:00", "quiet_start")
        self.quiet_end = _time(r.quiet_end or "08:00", "quiet_end")
        self.budgets = {name: _money(getattr(r, f"{name}_budget_usd"), name)
                        for name in ("daily", "weekly", "monthly")}
        self.output_goal = _spin(r.daily_output_goal or 0, 0, 100_000_000, 10_000, " tokens", "output_goal")
        self.output_goal.setSpecialValueText("none")
        _greyed_when_none(self.output_goal)
        form.addRow(self.fresh_chat)
        form.addRow("Context threshold", self.threshold)
        form.addRow("…and at least", self.growth)
        form.addRow("…after", self.min_calls)
        form.addRow("Recap allowance", self.recap)
        form.addRow(self.cache_expiry)
        form.addRow(self.quiet)
        form.addRow("Quiet from", self.quiet_start)
        form.addRow("Quiet until", self.quiet_end)
        for name, box in self.budgets.items():
            form.addRow(f"{name.capitalize()} budget", box)
        form.addRow("Daily output goal", self.output_goal)
        # what an unticked box switches off looks off
        for box, fields in ((self.fresh_chat, (self.threshold, self.growth, self.min_calls)),
                            (self.quiet, (self.quiet_start, self.quiet_end))):
            box.toggled.connect(lambda on, f=fields: [w.setEnabled(on) for w in f])
            for w in fields:
                w.setEnabled(box.isChecked())
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
        self._count_logs(source)

    def _on_add_clicked(self, source: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a log folder")
        if folder:
            self.add_root(source, folder)

    # --- reading ----------------------------------------------------------------------------------------

    def settings(self) -> Settings:
        """The form as Settings; ValueError names the first field that does not make sense."""
        roots = {name: tuple(w.item(i).text() for i in range(w.count())) for name, w in self.roots.items()}
        return replace(self._base, timezone=_typed_zone(self.zone.currentText()),
                       source_roots={k: v for k, v in roots.items() if v}, price_overrides=self._read_prices(),
                       reminders=self._read_reminders(), start_at_login=self.start_at_login.isChecked())

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
        quiet: list[str | None] = [None, None]
        if self.quiet.isChecked():
            quiet = [w.time().toString("HH:mm") for w in (self.quiet_start, self.quiet_end)]
            if quiet[0] == quiet[1]:
                raise ValueError("quiet hours: the start and the end are the same time")
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


def _form(page: QWidget) -> QFormLayout:
    """Labels right-aligned against fields of one width, as every form of the dialog."""
    form = QFormLayout(page)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    return form


def _field(box: QAbstractSpinBox) -> QAbstractSpinBox:
    box.setFixedWidth(FIELD_WIDTH)
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # numbers line up
    return box


def _spin(value: int, lo: int, hi: int, step: int, suffix: str, name: str) -> QSpinBox:
    box = QSpinBox(objectName=name, minimum=lo, maximum=hi, singleStep=step, suffix=suffix)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    _field(box)
    return box


def _money(value: float | None, name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox(objectName=f"budget_{name}", minimum=0.0, maximum=1_000_000.0, decimals=2, prefix="$")
    box.setValue(value or 0.0)
    box.setSpecialValueText("none")
    _field(box)
    _greyed_when_none(box)
    return box


def _time(value: str, name: str) -> QTimeEdit:
    edit = QTimeEdit(QTime.fromString(value, "HH:mm"), objectName=name)
    edit.setDisplayFormat("HH:mm")
    _field(edit)
    return edit


def _greyed_when_none(box: QSpinBox | QDoubleSpinBox) -> None:
    """A field at its "none" value is drawn in the placeholder's grey: it reads as off, not as a value."""
    normal = box.palette().color(QPalette.ColorRole.Text)

    def paint(value: float) -> None:
        palette = box.palette()
        off = value == box.minimum()
        palette.setColor(QPalette.ColorRole.Text,
                         palette.color(QPalette.ColorRole.PlaceholderText) if off else normal)
        box.setPalette(palette)
        box.setProperty("off", off)
    box.valueChanged.connect(paint)
    paint(box.value())


def _per_million(price: float) -> str:
    return f"${price:,.4g}"


def _read_prices(database: Path) -> list[ModelPrice]:
    """Worker side: the models in the store and their built-in prices, from a read-only connection."""
    if not database.exists():
        return []  # a first start: nothing read yet
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5.0)
    try:
        return builtin_prices(conn)
    finally:
        conn.close()


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
    name = name.strip()
    if not name or name.startswith("System ("):
        return None
    if name not in available_timezones():
        raise ValueError(f"time zone {name!r} is unknown (use an IANA name such as Europe/Paris)")
    return name
