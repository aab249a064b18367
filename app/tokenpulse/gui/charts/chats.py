"""Chats: a sortable, filterable table of chats (sub-agents folded under their parent) and the selected
chat's growth curve."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.gui.charts.base import ChartView, Request, Result
from tokenpulse.gui.charts.chats_model import ChatModel
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.growth import GrowthPlot
from tokenpulse.gui.charts.style import Theme, short_project
from tokenpulse.gui.charts.table_model import keep_indicator
from tokenpulse.insights import chart_chats, chart_data
from tokenpulse.insights.chart_chats import Chat, ChatList, Curve
from tokenpulse.insights.chart_data import agent_label

Fetch = Callable[[Query, Callable[[object], None]], None]


class ChatsView(ChartView):
    name = "chats"
    keeps_connection = True
    title = "Chats"
    sig_curve_shown = Signal(int)  # session id

    def __init__(self, theme: Theme, fetch: Fetch, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self._fetch = fetch
        self.tz = ZoneInfo("UTC")
        self.recap_allowance = 5_000
        self.pending_session: int | None = None
        self.shown_session: int | None = None
        self._listed: tuple[object, ...] = ()  # the sort and filter of the rows listed
        self._curve_asked = 0  # curves asked for so far; only the last one asked is drawn
        self.model = ChatModel(self.tz)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by project, agent, model or session…")
        self.filter.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)  # typing: one query when the user pauses
        self._filter_timer.timeout.connect(self.sig_reload_requested.emit)
        self.filter.textChanged.connect(self._filter_timer.start)
        self.model.sig_sort_changed.connect(self.sig_reload_requested.emit)
        self.model.sig_order_chosen.connect(lambda col, order: keep_indicator(self.tree.header(), col, order))
        self.count = QLabel()
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate((160, 140, 170, 300, 60, 75, 75, 100, 95)):  # a sub-agent's start, indented, fits
            header.resizeSection(col, width)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.model.modelReset.connect(self._on_model_reset)
        self.growth = GrowthPlot(theme)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.count)
        top_layout.addLayout(row)
        top_layout.addWidget(self.tree, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.growth)
        split.setSizes([330, 370])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def state_key(self) -> tuple[object, ...]:
        return (self.model.sort_key, self.model.descending, self.filter.text().strip().lower())

    def query(self, request: Request) -> Query:
        self.recap_allowance = request.recap_allowance
        sort, descending, text = self.state_key()

        def run(conn):  # type: ignore[no-untyped-def]
            rng = request.resolve(conn)
            return Result(rng, chart_chats.chats(conn, request.tz, rng, sort, descending, text))  # type: ignore[arg-type]
        return run

    def table_query(self, request: Request) -> Query:
        """Every chat of the range for the CSV, in the table's order and filter (not only those listed)."""
        sort, descending, text = self.state_key()
        tz = self.tz

        def run(conn):  # type: ignore[no-untyped-def]
            found = chart_chats.chats(conn, tz, request.resolve(conn), sort, descending, text, limit=None)  # type: ignore[arg-type]
            return chart_chats.chats_table(found.chats, tz)
        return run

    @property
    def chats(self) -> list[Chat]:
        return [] if self.result is None else self.result.data.chats

    def set_zone(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def apply(self, result: Result) -> None:
        # the same listing again (new data came in): keep what the user opened and where they scrolled
        again = self.result is not None and (self.result.range, self._listed) == (result.range, self.state_key())
        expanded = {c.session_id for r, c in enumerate(self.model.rows)
                    if c.children and self.tree.isExpanded(self.model.index(r, 0))} if again else set()
        scrolled = self.tree.verticalScrollBar().value() if again else 0
        self.result = result
        self._listed = self.state_key()
        found: ChatList = result.data
        self.model.set_list(found, self.tz)
        for r, c in enumerate(self.model.rows):
            if c.session_id in expanded:
                self.tree.expand(self.model.index(r, 0))
        self.tree.verticalScrollBar().setValue(scrolled)
        if self.pending_session is not None:
            self.select_session(self.pending_session)
        elif self.shown_session is None and self.model.rows:
            self.select_session(self.model.rows[0].session_id)  # the plot is never an empty frame

    def _on_model_reset(self) -> None:
        total, shown = self.model.matching, len(self.model.rows)
        if not total and self.filter.text().strip():
            self.count.setText("no chat matches the filter")
            return
        subs = sum(len(c.children) for c in self.model.rows)
        text = f"{shown:,} chats" + (f" (+{subs:,} sub-agent chats)" if subs else "")
        if shown < total:
            text = f"first {shown:,} of {total:,} chats — sort or filter to see others"
        found = self.result.data if self.result is not None else None
        if isinstance(found, ChatList) and found.reminded:
            text += (f" · {found.reminded:,} chat reminder{'s' if found.reminded != 1 else ''},"
                     f" {found.followed:,} followed by a new chat")
        self.count.setText(text)
        if self.shown_session is not None:
            self._select_row(self.shown_session, fetch=False, scroll=False)

    def select_session(self, session_id: int) -> None:
        """Select the chat if the table lists it (expanding its parent) and plot its curve either way."""
        self.pending_session = None
        if not self._select_row(session_id, fetch=True):
            self._load_curve(session_id, None)

    def reload_curve(self) -> None:
        """New data: the plotted chat's curve read again (it may be the live chat, still growing), leaving the
        selection and the scroll position alone."""
        if self.shown_session is not None:
            index = self.model.find(self.shown_session)
            self._load_curve(self.shown_session, self.model.chat(index) if index.isValid() else None)

    def _select_row(self, session_id: int, fetch: bool, scroll: bool = True) -> bool:
        index = self.model.find(session_id)
        if not index.isValid():
            return False
        if index.parent().isValid():
            self.tree.expand(index.parent())
        if scroll and (index.parent().isValid() or index.row() > 0):
            self.tree.scrollTo(index)  # lays out every row above it: skipped for the first row
        if fetch and index == self.tree.currentIndex():  # already selected: no change signal, so draw it anew
            self._load_curve(session_id, self.model.chat(index))
        if not fetch:
            self.tree.selectionModel().blockSignals(True)
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        if not fetch:
            self.tree.selectionModel().blockSignals(False)
        return True

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        chat = self.model.chat(current)
        if chat is not None:
            self._load_curve(chat.session_id, chat)

    def _load_curve(self, session_id: int, chat: Chat | None) -> None:
        allowance = self.recap_allowance
        self._curve_asked += 1
        asked = self._curve_asked
        self._fetch(lambda conn: chart_chats.chat_curve(conn, session_id, allowance),
                    lambda curve: self._on_curve_loaded(curve, chat, asked))  # type: ignore[arg-type]

    def _on_curve_loaded(self, curve: Curve, chat: Chat | None, asked: int) -> None:
        if asked != self._curve_asked:
            return  # the pool runs two queries at once: an older pick must not overwrite the newest
        if chat is not None:
            title = (f"{agent_label(chat.source)} · {short_project(chat.project)} · started"
                     f" {chart_data.local_time(chat.start_ms, self.tz)} · {chat.session_key}")
        else:
            title = f"Chat #{curve.session_id} (not in the table: outside the range or the filter)"
        self.shown_session = curve.session_id
        self.growth.show_curve(curve, title, self.tz)
        self.sig_curve_shown.emit(curve.session_id)

    def export_title(self) -> str:
        return f"tokenpulse · context per call of one chat · {self.growth.title.text()}"

    def export_legend(self) -> str:
        return self.growth.legend.text()

    def export_item(self) -> pg.PlotItem:
        return self.growth.plot.getPlotItem()

    def table(self) -> tuple[list[str], list[list[object]]]:
        return chart_chats.chats_table(self.model.rows, self.tz)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.growth.set_theme(theme)
