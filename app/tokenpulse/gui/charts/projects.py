"""Projects: output tokens and cost per working folder, and the costliest chats of the selected one."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QSplitter, QTableView, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import token_axis
from tokenpulse.gui.charts.base import ChartView, Request, Result, plot_widget
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import TOKENS, Theme, short_models, short_project, tokens, usd
from tokenpulse.gui.charts.table_model import RowsModel
from tokenpulse.insights import chart_chats
from tokenpulse.insights.chart_chats import Project
from tokenpulse.insights.chart_data import agent_label, local_time

BARS = 12  # projects drawn in the bar chart; the table lists them all
TOP_CHATS = 15


def _table(headers: tuple[str, ...], numeric: set[int], widths: tuple[int, ...],
           sort_column: int) -> tuple[QTableView, RowsModel]:
    model = RowsModel(headers, numeric, sort_column, Qt.SortOrder.DescendingOrder)
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setSortIndicator(sort_column, Qt.SortOrder.DescendingOrder)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideLeft)
    for col, width in enumerate(widths):
        view.setColumnWidth(col, width)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    return view, model


class ProjectsView(ChartView):
    name = "projects"
    keeps_connection = True
    title = "Projects"
    sig_chat_requested = Signal(int)  # a top chat was double-clicked: show it in Chats

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.tz = ZoneInfo("UTC")
        self.names: list[str] = []
        self.picked: str | None = None  # the selected project's folder
        self.plot = plot_widget(left=pg.AxisItem("left"), bottom=token_axis("bottom"))
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "Output tokens")
        item.showGrid(x=True, y=False, alpha=0.15)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7, brush=TOKENS["output"], pen=None)
        item.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.projects_view, self.projects_model = _table(("Project", "Calls", "Output", "Cost", "Chats"),
                                                         {1, 2, 3, 4}, (200, 70, 75, 75, 55), 2)
        self.projects_view.selectionModel().currentRowChanged.connect(self._on_project_row_changed)
        self.chats_title = QLabel("Top chats of the selected project")
        self.chats_view, self.chats_model = _table(
            ("Start", "Agent", "Model(s)", "Calls", "Output", "Cost", "Waste share"), {3, 4, 5, 6},
            (125, 95, 150, 60, 70, 75, 90), 5)
        self.chats_view.doubleClicked.connect(self._on_chat_double_clicked)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.plot, 3)
        right_layout.addWidget(self.chats_title)
        right_layout.addWidget(self.chats_view, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.projects_view)
        split.addWidget(right)
        split.setSizes([520, 740])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.set_theme(theme)

    def query(self, request: Request) -> Query:
        def run(conn):  # type: ignore[no-untyped-def]
            rng = request.resolve(conn)
            return Result(rng, chart_chats.projects(conn, request.tz, rng))
        return run

    @property
    def projects(self) -> list[Project]:
        return [] if self.result is None else self.result.data

    def apply(self, result: Result) -> None:
        self.result = result
        items: list[Project] = result.data
        self.projects_model.set_rows([
            (p, [short_project(p.name) if p.name else "(unknown folder)", f"{p.calls:,}", tokens(p.output),
                 usd(p.cost), f"{p.chat_count:,}"], [p.name.lower(), p.calls, p.output, p.cost or 0.0, p.chat_count])
            for p in items])
        shown = items[:BARS]
        n = len(shown)
        y = np.arange(n, dtype=float)[::-1]  # the largest on top
        widths = np.array([p.output for p in shown], dtype=float)
        self.names = [p.name for p in reversed(shown)]
        self.bars.setOpts(x0=np.zeros(n), y=y, width=widths, height=0.7, brush=pg.mkBrush(TOKENS["output"]))
        while len(self.labels) < n:  # value labels are made once and reused
            label = pg.TextItem(anchor=(0, 0.5))
            self.plot.addItem(label)
            self.labels.append(label)
        for i, label in enumerate(self.labels):
            label.setVisible(i < n)
            if i < n:
                label.setText(f" {tokens(shown[i].output)} · {usd(shown[i].cost)}", color=self.theme.foreground)
                label.setPos(shown[i].output, y[i])
        item = self.plot.getPlotItem()
        item.getAxis("left").setTicks([[(float(i), short_project(nm)) for i, nm in enumerate(self.names)]])
        item.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        item.setXRange(0, max(float(widths.max()) if n else 1.0, 1.0) * 1.3, padding=0)
        if items:
            # the project the user picked stays picked when new data comes in
            names = [p.name for p, _cells, _keys in self.projects_model.rows]  # type: ignore[attr-defined]
            row = names.index(self.picked) if self.picked in names else 0
            index = self.projects_model.index(row, 0)
            self.projects_view.selectionModel().blockSignals(True)  # one listing below, not two
            self.projects_view.selectRow(row)
            self.projects_view.selectionModel().blockSignals(False)
            self._on_project_row_changed(index, index)
        else:
            self.chats_model.set_rows([])

    def _on_project_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        project = self.projects_model.payload(current.row())
        if not isinstance(project, Project):
            return
        self.picked = project.name
        self.chats_title.setText(f"Costliest chats in <b>{html.escape(project.name or '(unknown folder)')}</b>"
                                 " — double-click one to open it in Chats")
        rows = []
        for c in project.chats[:TOP_CHATS]:
            share = c.waste_share
            rows.append((c.session_id, [local_time(c.start_ms, self.tz), agent_label(c.source),
                                        short_models(c.all_models), f"{c.family_calls:,}", tokens(c.family_output),
                                        usd(c.family_cost), "–" if share is None else f"{100 * share:.0f}%"],
                         [c.start_ms, c.source, short_models(c.all_models), c.family_calls, c.family_output,
                          c.family_cost or 0.0, share if share is not None else -1.0]))
        self.chats_model.set_rows(rows)

    def _on_chat_double_clicked(self, index: QModelIndex) -> None:
        sid = self.chats_model.payload(index.row())
        if isinstance(sid, int):
            self.sig_chat_requested.emit(sid)

    def export_title(self) -> str:
        return f"{super().export_title()} · output tokens and cost per project folder"

    def export_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def table(self) -> tuple[list[str], list[list[object]]]:
        return chart_chats.projects_table(self.projects)

    def set_theme(self, theme: Theme) -> None:
        theme.style_plot(self.plot)
        super().set_theme(theme)

