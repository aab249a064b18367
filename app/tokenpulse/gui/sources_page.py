"""Settings › Sources: each agent's health in a table (state, files read, last call, lines skipped), and the
chosen agent's details beneath (folders looked in and what chose them, skipped lines by reason).

Fed SourceReports (presenters/source_health.py, the words `tokenpulse sources` prints); it never reads files
or the store: "Check again" asks whoever listens (the app sends ReportSources to the worker). Folder names and
skip reasons are shown as plain text only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.insights.source_health import QUIET_AFTER_MS
from tokenpulse.presenters.source_health import (
    SourceReport,
    detail_lines,
    explanation,
    files_text,
    last_call_text,
    skipped_text,
    state_text,
)

COLUMNS = ("Agent", "State", "Files read", "Last call counted", "Lines skipped")
STATE_COLOURS = {"quiet": "#c62828", "no_calls": "#b26a00", "empty": "#b26a00"}  # "missing": the palette's grey
INTRO = (f"What tokenpulse finds for each agent. An agent goes quiet when its logs keep changing for"
         f" {QUIET_AFTER_MS // 3_600_000} hours and no change brings a call: its format probably changed.")


class SourcesPage(QWidget):
    """`show_reports` fills it; the row chosen stays chosen across refreshes."""

    sig_refresh_requested = Signal()

    def __init__(self, home: Path, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._home, self._tz = home, tz
        self._reports: list[SourceReport] = []
        self._now_ms = 0
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(INTRO, wordWrap=True))
        self.table = QTableWidget(0, len(COLUMNS), objectName="sources_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(self._on_table_current_cell_changed)
        # the chosen agent: what its state means (wrapped), then its facts one per line (paths are not wrapped)
        self.heading = QLabel(objectName="source_heading", wordWrap=True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.details = QLabel(objectName="source_details")
        self.details.setTextFormat(Qt.TextFormat.PlainText)  # folder names and reasons: never markup
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy a path
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        pane = QWidget()
        inner = QVBoxLayout(pane)
        inner.addWidget(self.heading)
        inner.addWidget(self.details, 1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(pane)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setSizes([220, 200])
        lay.addWidget(splitter, 1)
        row = QHBoxLayout()
        self.status = QLabel("Reading the store…", objectName="sources_status")
        row.addWidget(self.status, 1)
        self.refresh_button = QPushButton("Check again", objectName="sources_refresh")
        self.refresh_button.clicked.connect(self._on_refresh_clicked)
        row.addWidget(self.refresh_button)
        lay.addLayout(row)

    @Slot(object, object)
    def show_reports(self, reports: Sequence[SourceReport], now_ms: int) -> None:
        chosen = self.current_source()
        self._reports, self._now_ms = list(reports), now_ms
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(self._reports))
        for row, r in enumerate(self._reports):
            cells = (r.label, state_text(r), files_text(r), last_call_text(r, self._tz, now_ms), skipped_text(r))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    self._style_state(item, r.state)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, col, item)
        table.blockSignals(False)
        quiet = [r.label for r in self._reports if r.went_quiet]
        found = sum(r.state != "missing" for r in self._reports)
        self.status.setText(f"{found} of {len(self._reports)} agents found here"
                            + (f"; went quiet: {', '.join(quiet)}" if quiet else "; none went quiet"))
        self.refresh_button.setEnabled(True)
        names = [r.name for r in self._reports]
        first_quiet = next((i for i, r in enumerate(self._reports) if r.went_quiet), None)
        row = names.index(chosen) if chosen in names else first_quiet if first_quiet is not None else 0
        if self._reports:
            table.setCurrentCell(row, 0)
            self._show_details(row)  # also when the row did not change: its facts did

    def select_source(self, name: str) -> None:
        names = [r.name for r in self._reports]
        if name in names:
            self.table.setCurrentCell(names.index(name), 0)

    def current_source(self) -> str | None:
        row = self.table.currentRow()
        return self._reports[row].name if 0 <= row < len(self._reports) else None

    def _style_state(self, item: QTableWidgetItem, state: str) -> None:
        colour = STATE_COLOURS.get(state)
        if colour is not None:
            item.setForeground(QBrush(QColor(colour)))
        elif state == "missing":
            item.setForeground(self.palette().placeholderText())
        if state == "quiet":
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)

    def _show_details(self, row: int) -> None:
        if not 0 <= row < len(self._reports):
            self.heading.setText("")
            self.details.setText("")
            return
        r = self._reports[row]
        self.heading.setText(f"{r.label}: {state_text(r)}. {explanation(r, self._tz)}")
        self.details.setText("\n".join(detail_lines(r, self._home, self._tz, self._now_ms, explain=False)))

    @Slot(int, int, int, int)
    def _on_table_current_cell_changed(self, row: int, _col: int, _old_row: int, _old_col: int) -> None:
        self._show_details(row)

    @Slot()
    def _on_refresh_clicked(self) -> None:
        self.refresh_button.setEnabled(False)  # until the answer comes
        self.status.setText("Checking…")
        self.sig_refresh_requested.emit()
