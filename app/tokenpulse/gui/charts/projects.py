"""Projects: output tokens, cost and waste share per working folder, and the costliest chats of the selected one.

Its CSV is the work beside the spend (insights.work_chart, the query of the panel under the bars): per project,
its range with commits, lines and the ratios beside their counts, then its days."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QTreeView, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import token_axis
from tokenpulse.gui.charts.bars import LeaveWatcher, PointerTip
from tokenpulse.gui.charts.base import ChartView, Request, Result, grid_behind, plot_widget
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import TOKENS, Theme, short_models, short_project, tokens, usd
from tokenpulse.gui.charts.table_model import RowsModel, keep_indicator, listing
from tokenpulse.insights import chart_chats, work_chart
from tokenpulse.insights.chart_chats import Project
from tokenpulse.insights.chart_data import agent_label, local_time
from tokenpulse.insights.waste import WASTE_SHARE_HELP
from tokenpulse.presenters.waste_text import share_text

BARS = 12  # projects drawn in the bar chart; the table lists them all
TOP_CHATS = 15
PROJECT_COLUMNS = ("Project", "Calls", "Output", "Cost", "Waste share", "Chats")
CHAT_COLUMNS = ("Start", "Agent", "Model(s)", "Calls", "Output", "Cost", "Waste share")


def _table(headers: tuple[str, ...], numeric: set[int], widths: tuple[int, ...],
           sort_column: int) -> tuple[QTreeView, RowsModel]:
    model = RowsModel(headers, numeric, sort_column, Qt.SortOrder.DescendingOrder)
    model.tips = {i: f"Waste share: {WASTE_SHARE_HELP}" for i, h in enumerate(headers) if h == "Waste share"}
    view = listing(model, widths, sort_column)
    model.sig_order_chosen.connect(lambda col, order: keep_indicator(view.header(), col, order))
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
        grid_behind(item)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7, brush=TOKENS["output"], pen=None)
        item.addItem(self.bars)
        self.outline = pg.BarGraphItem(x0=[0], y=[0], width=[0], height=0.7, brush=pg.mkBrush(None))
        self.outline.setZValue(20)
        self.outline.setVisible(False)
        item.addItem(self.outline)
        self.tip = PointerTip(self.plot)
        item.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._leave = LeaveWatcher(self.plot, self._clear_hover)
        self.labels: list[pg.TextItem] = []
        self.projects_view, self.projects_model = _table(PROJECT_COLUMNS, {1, 2, 3, 4, 5},
                                                         (165, 60, 65, 65, 85, 50), 2)
        self.projects_view.selectionModel().currentRowChanged.connect(self._on_project_row_changed)
        self.chats_title = QLabel("Top chats of the selected project")
        self.chats_view, self.chats_model = _table(CHAT_COLUMNS, {3, 4, 5, 6}, (125, 95, 170, 60, 70, 75, 90), 5)
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
                 usd(p.cost), share_text(p.waste_share), f"{p.chat_count:,}"],
             [p.name.lower(), p.calls, p.output, p.cost or 0.0,
              -1.0 if p.waste_share is None else p.waste_share, p.chat_count])
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
                share = shown[i].waste_share
                waste = f" · {share_text(share)} waste" if share else ""
                label.setText(f" {tokens(shown[i].output)} · {usd(shown[i].cost)}{waste}",
                              color=self.theme.foreground)
                label.setPos(shown[i].output, y[i])
        item = self.plot.getPlotItem()
        item.getAxis("left").setTicks([[(float(i), short_project(nm)) for i, nm in enumerate(self.names)]])
        item.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        item.setXRange(0, max(float(widths.max()) if n else 1.0, 1.0) * 1.5, padding=0)
        if items:
            # the project the user picked stays picked when new data comes in
            names = [p.name for p, _cells, _keys in self.projects_model.rows]  # type: ignore[attr-defined]
            row = names.index(self.picked) if self.picked in names else 0
            index = self.projects_model.index(row, 0)
            self.projects_view.selectionModel().blockSignals(True)  # one listing below, not two
            self.select_row(row)
            self.projects_view.selectionModel().blockSignals(False)
            self._on_project_row_changed(index, index)
        else:
            self.chats_model.set_rows([])

    def select_row(self, row: int) -> None:
        """Select a row of the projects list (its chats are listed below unless signals are blocked)."""
        index = self.projects_model.index(row, 0)
        self.projects_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def _clear_hover(self) -> None:
        self.tip.hide()
        self.outline.setVisible(False)

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        """The bar under the pointer outlined, its project's figures next to the pointer."""
        vb = self.plot.getPlotItem().vb
        shown = self.projects[:BARS]
        if not shown or not vb.sceneBoundingRect().contains(pos):
            self._clear_hover()
            return
        at = vb.mapSceneToView(pos)
        i = len(shown) - 1 - round(at.y())  # the largest on top
        if not (0 <= i < len(shown)) or abs(at.y() - round(at.y())) > 0.4:
            self._clear_hover()
            return
        p = shown[i]
        self.outline.setOpts(x0=[0], y=[len(shown) - 1 - i], width=[max(p.output, 0)], height=0.7,
                             pen=pg.mkPen(self.theme.foreground, width=2))
        self.outline.setVisible(True)
        self.tip.show_at(f"<b>{html.escape(p.name or '(unknown folder)')}</b><br>output <b>{p.output:,}</b>"
                         f" · {p.calls:,} calls<br>cost <b>{usd(p.cost)}</b> · waste share"
                         f" {html.escape(share_text(p.waste_share))}<br>{p.chat_count:,} chats", pos)

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
                                        usd(c.family_cost), share_text(share)],
                         [c.start_ms, c.source, short_models(c.all_models), c.family_calls, c.family_output,
                          c.family_cost or 0.0, share if share is not None else -1.0]))
        self.chats_model.set_rows(rows)

    def _on_chat_double_clicked(self, index: QModelIndex) -> None:
        sid = self.chats_model.payload(index.row())
        if isinstance(sid, int):
            self.sig_chat_requested.emit(sid)

    def export_title(self) -> str:
        return f"{super().export_title()} · output tokens, cost and waste share per project folder"

    def export_item(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def table(self) -> tuple[list[str], list[list[object]]]:
        return chart_chats.projects_table(self.projects)

    def table_query(self, request: Request) -> Query:
        """The CSV: spend, long-chat waste and the work read from git per project and day, and each project's
        range with its ratios (cost per commit, output tokens per changed line) and their counts."""
        def run(conn):  # type: ignore[no-untyped-def]
            return work_chart.beside_table(work_chart.work_beside(conn, request.tz, request.resolve(conn)))
        return run

    def set_theme(self, theme: Theme) -> None:
        theme.style_plot(self.plot)
        self.tip.set_theme(theme)
        super().set_theme(theme)

