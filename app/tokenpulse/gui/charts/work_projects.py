"""Projects: work beside spend for the selected project, under the bars.

For the project the user picked in the table (its repository, when its folder lies in one: the folders of one
repository add up), over the range: the agents' output tokens per day as bars, the user's commits per day as
bars on a second axis beside them, and the facts in words, each ratio with its counts beside it: commits, lines
and files, output tokens, cost and long-chat waste, cost per commit, output tokens per changed line, the days
with commits and no agent use and the days with agent use and no commits; pointing at a day gives that day's
figures (its long-chat waste included). No score. Read with its own query whenever the Projects view is drawn;
the selection then picks from what was read.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QModelIndex, QPointF, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QVBoxLayout, QWidget

from tokenpulse.gui.charts.axes import DAY_S, CountAxis, TwinAxis, day_axis, style_twin, token_axis
from tokenpulse.gui.charts.base import ChartView, day_x, plot_widget, pretty_day
from tokenpulse.gui.charts.style import TOKENS, Theme, short_project, tokens, usd
from tokenpulse.gui.charts.work_common import COMMITS, WindowLike, work_words
from tokenpulse.insights import work_chart
from tokenpulse.insights.work_beside import Ratio
from tokenpulse.insights.work_chart import ProjectBeside, WorkBeside

PLOT_HEIGHT = 170


def _ratio(r: Ratio, fmt: str, unit: str) -> str:
    v = r.value
    return "–" if v is None else f"{fmt.format(v)} {unit}"


def waste_words(tokens_: int, cost: float | None) -> str:
    """'long-chat waste $0.42 (120k tokens)'; 'no long-chat waste' when nothing was re-read beyond the floor."""
    if not tokens_:
        return "no long-chat waste"
    return f"long-chat waste {usd(cost) if cost is not None else 'of unknown cost'} ({tokens(tokens_)} tokens)"


def day_words(p: ProjectBeside, i: int) -> str:
    """One day of a project (plain text: no log-derived names in it)."""
    cost = p.cost[i]
    spend = (f"{p.output[i]:,} output tokens · {usd(cost)} · {p.calls[i]:,} calls · "
             f"{waste_words(p.waste_tokens[i], p.waste_cost[i])}")
    work = "no work figures" if p.work is None else work_words(p.work[i])
    return f"{pretty_day(p.days[i])}: {spend} · {work}"


def facts(p: ProjectBeside) -> str:
    """The project's range in words (rich text; names escaped)."""
    folders = ", ".join(short_project(f) for f in p.folders) or short_project(p.name)
    head = f"<b>{html.escape(short_project(p.name))}</b>"
    spend = (f"{tokens(p.total_output)} output tokens · {usd(p.total_cost)} · {sum(p.calls):,} calls · "
             f"{html.escape(waste_words(p.total_waste_tokens, p.total_waste_cost))}")
    total = p.total_work
    if total is None:
        return f"{head} — not a git repository: no work figures<br>{spend}"
    where = f" (repository; agents in {html.escape(folders)})" if len(p.folders) > 1 else ""
    cpc = p.cost_per_commit
    opl = p.output_per_changed_line
    ratios = (f"cost per commit {'–' if cpc.value is None else usd(cpc.value)} ({cpc.denominator:,} commits) · "
              f"{_ratio(opl, '{:,.1f}', 'output tokens per changed line')} ({opl.denominator:,} lines)")
    quiet = p.days_with_commits_no_agents
    busy = p.days_with_agents_no_commits
    return (f"{head}{where} — {work_words(total)}<br>{spend}<br>{ratios}<br>"
            f"{len(quiet)} day{'s' if len(quiet) != 1 else ''} with commits and no agent use · "
            f"{len(busy)} day{'s' if len(busy) != 1 else ''} with agent use and no commits")


class WorkBesidePanel(QWidget):
    """Put in the Projects view by `attach`, under its bar chart."""

    def __init__(self, view: ChartView, window: WindowLike, table: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self.window_ = window
        self.data: WorkBeside | None = None
        self.shown: ProjectBeside | None = None
        self._asked = 0
        theme = Theme.from_palette(self.palette())
        self.title = QLabel(f"<b>Work beside spend</b>&nbsp;&nbsp;{theme.swatch(TOKENS['output'], 'output tokens')}"
                            f"&nbsp;&nbsp;{theme.swatch(COMMITS, 'your commits (read from git)')}")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.readout = QLabel("Point at a day for its figures.")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.plot = plot_widget(bottom=day_axis(), left=token_axis())
        self.plot.setFixedHeight(PLOT_HEIGHT)
        item = self.plot.getPlotItem()
        item.setLabel("left", "Output tokens")
        self.output_bars = pg.BarGraphItem(x=[], height=[], width=DAY_S * 0.4, brush=pg.mkBrush(TOKENS["output"]),
                                           pen=pg.mkPen(None))
        item.addItem(self.output_bars)
        self.twin = TwinAxis(item, CountAxis("right"), "Commits")
        self.commit_bars = pg.BarGraphItem(x=[], height=[], width=DAY_S * 0.4, brush=pg.mkBrush(COMMITS),
                                           pen=pg.mkPen(None))
        self.twin.view.addItem(self.commit_bars)
        item.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.plot)
        layout.addWidget(self.readout)
        self._table = table
        table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        window.sig_view_updated.connect(self._on_view_updated)
        self._style()

    def _on_view_updated(self, name: str) -> None:
        if name == self.view.name:
            self.reload()

    def reload(self) -> None:
        result = self.view.result
        if result is None:
            return
        tz = self.window_.request().tz
        rng = result.range
        self._asked += 1
        asked = self._asked
        self.window_.fetch(lambda conn: work_chart.work_beside(conn, tz, rng), lambda data: self._loaded(data, asked))

    def _loaded(self, data: WorkBeside, asked: int) -> None:
        if asked == self._asked:
            self.data = data
            self.show_folder(self.picked())

    def picked(self) -> str | None:
        """The folder the Projects table has selected."""
        return getattr(self.view, "picked", None)

    def _on_row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_folder(self.picked())  # the view's own handler, connected first, has set `picked`

    def show_folder(self, folder: str | None) -> None:
        data = self.data
        if data is None:
            return
        p = data.of_folder(folder) if folder is not None else None
        self.shown = p
        self.readout.setText("Point at a day for its figures." if p is not None else "")
        if p is None:
            self.text.setText("No calls or commits in this range for the selected folder." if folder is not None
                              else "Select a project to see its work beside its spend.")
            self.output_bars.setOpts(x=[], height=[])
            self.commit_bars.setOpts(x=[], height=[])
            return
        self.text.setText(facts(p))
        x = day_x(p.days)
        commits = [w.commits for w in p.work] if p.work is not None else [0] * len(p.days)
        self.output_bars.setOpts(x=x - DAY_S * 0.2, height=np.asarray(p.output, dtype=float), width=DAY_S * 0.4,
                                 brush=pg.mkBrush(TOKENS["output"]))
        self.commit_bars.setOpts(x=x + DAY_S * 0.2, height=np.asarray(commits, dtype=float), width=DAY_S * 0.4,
                                 brush=pg.mkBrush(COMMITS))
        item = self.plot.getPlotItem()
        if len(x):
            item.setXRange(x[0] - DAY_S * 0.6, x[-1] + DAY_S * 0.6, padding=0)
        item.setYRange(0, max([*p.output, 1]) * 1.1, padding=0)
        self.twin.set_y_max(max([*commits, 1]))

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        """The day under the pointer in words: its spend, its long-chat waste and its commits."""
        p = self.shown
        vb = self.plot.getPlotItem().vb
        if p is None or not p.days or not vb.sceneBoundingRect().contains(pos):
            return
        i = round((vb.mapSceneToView(pos).x() - float(day_x(p.days[:1])[0])) / DAY_S)
        if 0 <= i < len(p.days):
            self.readout.setText(day_words(p, i))

    def _style(self) -> None:
        theme = Theme.from_palette(self.palette())
        theme.style_plot(self.plot)
        style_twin(self.twin, theme)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._style()
        super().changeEvent(event)
