"""ChartsWindow: the range controls, the views as tabs, exports, and the fetch/refresh plumbing.

How the app uses it (all on the GUI thread):

    win = ChartsWindow(paths.database, settings, clock)  # the store's SQLite file (read-only here), the
                                                         # app's Settings (zone, recap allowance), its Clock
    win.show(); win.raise_(); win.activateWindow()       # "Open charts"; opens on Overview, last 30 days
    win.refresh()                                        # new data in the store (e.g. on a snapshot change)
    win.drop_cache()                                     # the same while hidden: showing it re-reads
    win.show_session(session_id)                         # a reminder's "open the chat": Chats, that chat
    win.apply_settings(settings)                         # the settings changed (zone, recap allowance)
    win.set_ledgers(ledgers, every)                      # other devices' copies (None: none) and the switch
    win.open_whatif()                                    # "What if…": re-price the range, project or chat
    win.shutdown()                                       # before deleting it: waits for running queries

Signals: sig_view_updated(view name) when a view is drawn from fresh data, sig_exported(path) when a PNG
or CSV is written, sig_failed(message) when the store could not be read (the status line says so too).

The window never reads the store itself: each view's query runs on the Fetcher's pool with a read-only
connection and comes back as a queued signal. Results are cached per range until `refresh()` says new
data arrived; refreshes are throttled (one redraw per REFRESH_EVERY_MS at most).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.clock import Clock, zone
from tokenpulse.config.settings import Settings
from tokenpulse.gui.charts import export
from tokenpulse.gui.charts.base import ChartView, Request, Result
from tokenpulse.gui.charts.chats import ChatsView
from tokenpulse.gui.charts.fetcher import Fetcher, Query
from tokenpulse.gui.charts.limits import LimitsView
from tokenpulse.gui.charts.mix import TokenMixView
from tokenpulse.gui.charts.overview import OverviewView
from tokenpulse.gui.charts.projects import ProjectsView
from tokenpulse.gui.charts.rangebar import RangeBar
from tokenpulse.gui.charts.rhythm import RhythmView
from tokenpulse.gui.charts.style import Theme
from tokenpulse.gui.charts.throttle import Throttle
from tokenpulse.gui.charts.whatif import WhatIfDialog
from tokenpulse.gui.charts.work_hooks import attach as attach_work
from tokenpulse.gui.device_switch import DeviceSwitch
from tokenpulse.insights.chart_data import local_date, local_time
from tokenpulse.store.sync.ledgers import LedgerSet

VIEWS = ("overview", "mix", "chats", "projects", "rhythm", "limits")
TITLES = {"overview": "Overview", "mix": "Token mix", "chats": "Chats", "projects": "Projects", "rhythm": "Rhythm",
          "limits": "Plan limits"}
REFRESH_EVERY_MS = 2_000  # new data redraws at most this often
_SHARED = {"overview": "daily", "mix": "daily"}  # views that draw the same fetched data


class ChartsWindow(QMainWindow):
    """Open with show(); the tray calls `refresh()` when new data arrives, a nudge calls `show_session(id)`.

    `db_path` may not exist yet (a first start): the views then say the store could not be read, and the
    next `refresh()` after the first scan draws them.
    """

    sig_view_updated = Signal(str)  # a view was drawn with fresh data (its name)
    sig_exported = Signal(str)  # path of a written PNG or CSV
    sig_failed = Signal(str)
    sig_devices_chosen = Signal(bool)  # the machines switch: True for all machines

    def __init__(self, db_path: Path, settings: Settings, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("tokenpulse — charts")
        self.resize(1280, 800)
        self._clock = clock
        self._settings = settings
        self._tz = zone(settings.timezone)
        self._preset: str | None = "30d"
        self._days: tuple[date, date] | None = None
        self._cache: dict[tuple[object, ...], Result] = {}
        self._pending: dict[str, tuple[int, tuple[object, ...]]] = {}
        self._callbacks: dict[int, Callable[[object], None]] = {}
        self.theme = Theme.from_palette(self.palette())
        self.fetcher = Fetcher(db_path, self)
        self.fetcher.sig_done.connect(self._on_fetcher_done)
        self.fetcher.sig_failed.connect(self._on_fetcher_failed)
        self._refresh = Throttle(self._reload, REFRESH_EVERY_MS, self)

        self.range_bar = RangeBar()
        self.range_bar.sig_preset_chosen.connect(self.set_range)
        self.range_bar.sig_days_chosen.connect(self.set_days)
        self.range_bar.show_preset(self._preset)
        png, csv_button = QPushButton("Export PNG…"), QPushButton("Export CSV…")
        png.setToolTip("Save the chart of this view as an image")
        csv_button.setToolTip("Save the numbers behind this view as CSV")
        png.clicked.connect(lambda: self.export_png())
        csv_button.clicked.connect(lambda: self.export_csv())
        whatif = QPushButton("What if…")
        whatif.setToolTip("Re-price these days, the selected project or the shown chat at another model's rates")
        whatif.clicked.connect(lambda: self.open_whatif())
        self.whatif: WhatIfDialog | None = None  # made when first asked for
        self.status = QLabel()
        # Overview, Token mix and Rhythm follow it; Chats and Projects are this machine's (chats are per device)
        self._ledgers: LedgerSet | None = None
        self.device_switch = DeviceSwitch()
        self.device_switch.sig_changed.connect(self._on_device_switch_changed)
        bar = QHBoxLayout()
        bar.addWidget(self.range_bar)
        bar.addWidget(self.device_switch)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(whatif)
        bar.addWidget(png)
        bar.addWidget(csv_button)

        # Views are built when first shown: opening the window builds only the Overview.
        self.views: dict[str, ChartView] = {}
        self.tabs = QTabWidget()
        for name in VIEWS:
            page = QWidget()
            page.setLayout(QVBoxLayout())
            page.layout().setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(page, TITLES[name])
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self._load(self.current)

    # --- what the tray and the nudges call -------------------------------------------------------------

    def refresh(self) -> None:
        """New data is in the store: forget cached results now, redraw the current view (throttled)."""
        self.drop_cache()
        self._refresh()

    def show_session(self, session_id: int) -> None:
        """Show the window on Chats with this chat (chat_session.id) selected, its parent row expanded if it
        is a sub-agent chat, and its growth curve plotted; a chat outside the range is plotted all the same."""
        view = self.chats
        self.tabs.setCurrentIndex(VIEWS.index("chats"))
        if view.result is not None and "chats" not in self._pending:
            view.select_session(session_id)
        else:
            view.pending_session = session_id
        self.show()
        self.raise_()
        self.activateWindow()

    def open_whatif(self) -> WhatIfDialog:
        """The What if… dialog over the current range, offering the project selected in Projects and the chat
        shown in Chats; the current tab's is chosen."""
        from tokenpulse.workspace import price_overrides

        if self.whatif is None:
            self.whatif = WhatIfDialog(self, price_overrides(self._settings), self._clock.now_ms, self)
        folder = getattr(self.views.get("projects"), "picked", None)
        chat = self.chats.shown_session if "chats" in self.views else None
        prefer = {"projects": "project", "chats": "chat"}.get(self.current.name, "all")
        self.whatif.set_targets(folder, chat, prefer)
        self.whatif.show()
        self.whatif.raise_()
        self.whatif.activateWindow()
        return self.whatif

    def apply_settings(self, settings: Settings) -> None:
        """New settings: days are cut in the new zone, chats measured with the new recap allowance."""
        self._settings = settings
        if self.whatif is not None:
            from tokenpulse.workspace import price_overrides

            self.whatif.overrides = price_overrides(settings)
        self._tz = zone(settings.timezone)
        if "chats" in self.views:
            self.chats.set_zone(self._tz)
        if "projects" in self.views:
            self.views["projects"].tz = self._tz  # type: ignore[attr-defined]
        self._reload()

    def set_ledgers(self, ledgers: LedgerSet | None, every: bool | None = None) -> None:
        """The devices "All machines" covers (None: no other device shares its ledger), and the switch's state."""
        if every is not None and every != self.device_switch.every:
            self.device_switch.set_every(every)
            self._reload()
        if ledgers != self._ledgers:
            self._ledgers = ledgers
            self.device_switch.setVisible(ledgers is not None)
            self._reload()

    @Slot(bool)
    def _on_device_switch_changed(self, every: bool) -> None:
        self._load(self.current)
        self.sig_devices_chosen.emit(every)

    # --- navigation ----------------------------------------------------------------------------------

    def view(self, name: str) -> ChartView:
        """The view called `name`, built now if it was never shown."""
        view = self.views.get(name)
        if view is None:
            view = self._build(name)
            self.views[name] = view
            self.tabs.widget(VIEWS.index(name)).layout().addWidget(view)
            view.sig_changed.connect(lambda: self.sig_view_updated.emit(view.name))
            view.sig_reload_requested.connect(lambda: self._load(view))
            attach_work(self, name, view)  # the work read from git beside the spend (issue 15)
        return view

    def _build(self, name: str) -> ChartView:
        if name == "overview":
            return OverviewView(self.theme)
        if name == "mix":
            return TokenMixView(self.theme)
        if name == "chats":
            chats = ChatsView(self.theme, self.fetch)
            chats.set_zone(self._tz)
            return chats
        if name == "projects":
            projects = ProjectsView(self.theme)
            projects.tz = self._tz
            projects.sig_chat_requested.connect(self.show_session)
            return projects
        if name == "limits":  # plan limits (issue 11), gui/charts/limits.py
            return LimitsView(self.theme, self._clock.now_ms)
        return RhythmView(self.theme)

    @property
    def current(self) -> ChartView:
        return self.view(VIEWS[self.tabs.currentIndex()])

    @property
    def chats(self) -> ChatsView:
        return self.view("chats")  # type: ignore[return-value]

    def show_view(self, name: str) -> None:
        if self.tabs.currentIndex() == VIEWS.index(name):
            self._load(self.current)
        self.tabs.setCurrentIndex(VIEWS.index(name))

    @Slot(str)
    def set_range(self, preset: str) -> None:
        self._preset, self._days = preset, None
        self.range_bar.show_preset(preset)
        self._load(self.current)

    def set_days(self, first: date, last: date) -> None:
        self._preset, self._days = None, (min(first, last), max(first, last))
        self.range_bar.show_preset(None)
        self._load(self.current)

    def request(self) -> Request:
        today = local_date(self._clock.now_ms(), self._tz)
        first, last = self._days or (None, None)
        every = self.device_switch.every and self._ledgers is not None
        return Request(self._tz, today, self._preset, first, last, self._settings.reminders.recap_allowance,
                       self._ledgers if every else None)

    def drop_cache(self) -> None:
        """Forget what was read: results, and the listings' temporary tables (new data, a restored backup)."""
        self._cache.clear()
        self.fetcher.forget_kept()

    @Slot(int)
    def _on_tabs_current_changed(self, _index: int) -> None:
        self._load(self.current)

    def _reload(self) -> None:
        self.drop_cache()
        if not self.isVisible():
            return  # hidden: nothing to redraw now; showing the window loads the current view afresh
        self._load(self.current)
        if self.current.name == "chats":
            self.chats.reload_curve()

    # --- fetching --------------------------------------------------------------------------------------

    def _load(self, view: ChartView) -> None:
        req = self.request()
        key = (_SHARED.get(view.name, view.name), *req.key, *view.state_key())
        cached = self._cache.get(key)
        if cached is not None:
            self._pending.pop(view.name, None)
            if view.result is not cached:
                view.apply(cached)
            self._announce(view, cached)
            return
        if view.name in self._pending and self._pending[view.name][1] == key:
            return  # already on its way
        ticket = self.fetcher.submit(view.query(req), keep=view.keeps_connection)
        self._pending[view.name] = (ticket, key)
        self.status.setText("Loading…")

    def fetch(self, query: Query, done: Callable[[object], None]) -> None:
        """Run a view's extra query (e.g. a chat's calls) on the pool; `done(result)` runs on this thread."""
        self._callbacks[self.fetcher.submit(query)] = done

    @Slot(int, object)
    def _on_fetcher_done(self, ticket: int, result: object) -> None:
        callback = self._callbacks.pop(ticket, None)
        if callback is not None:
            callback(result)
            return
        for name, (pending, key) in list(self._pending.items()):
            if pending == ticket and isinstance(result, Result):
                del self._pending[name]
                self._cache[key] = result
                view = self.views[name]
                view.apply(result)
                self._announce(view, result)
                return

    @Slot(int, str)
    def _on_fetcher_failed(self, ticket: int, message: str) -> None:
        self._callbacks.pop(ticket, None)
        for name, (pending, _key) in list(self._pending.items()):
            if pending == ticket:
                del self._pending[name]
        self.status.setText(f"Could not read the store: {message}")
        self.sig_failed.emit(message)

    def _announce(self, view: ChartView, result: Result) -> None:
        self.range_bar.show_range(result.range)
        now = local_time(self._clock.now_ms(), self._tz)[-5:]
        self.status.setText(f"{len(result.range.days())} days · updated {now}")
        self.sig_view_updated.emit(view.name)

    # --- exports ---------------------------------------------------------------------------------------

    def export_png(self, path: Path | None = None) -> None:
        view = self.current
        if view.result is None:
            return
        path = path or self._ask_path(f"tokenpulse-{view.name}.png", "PNG image (*.png)")
        if path is None:
            return
        view.clear_hover()
        image = export.render_png(view.export_item(), self.theme.background, view.export_title(),
                                  view.export_legend())
        self._write(lambda: export.save_png(image, path))

    def export_csv(self, path: Path | None = None) -> None:
        view = self.current
        if view.result is None:
            return
        path = path or self._ask_path(f"tokenpulse-{view.name}.csv", "CSV (*.csv)")
        if path is None:
            return
        query = view.table_query(self.request())
        if query is not None:
            ticket = self.fetcher.submit(lambda conn: export.write_csv(path, *query(conn)))
            self._callbacks[ticket] = lambda written: self.sig_exported.emit(str(written))
            return
        head, rows = view.table()
        self._write(lambda: export.write_csv(path, head, rows))

    def _ask_path(self, name: str, kinds: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export", name, kinds)
        return Path(chosen) if chosen else None

    def _write(self, task: Callable[[], Path]) -> None:
        ticket = self.fetcher.run(task)
        self._callbacks[ticket] = lambda written: self.sig_exported.emit(str(written))

    # --- Qt events -------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load(self.current)  # a cache hit unless new data arrived while hidden

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.theme = Theme.from_palette(self.palette())
            for view in self.views.values():
                view.set_theme(self.theme)
        super().changeEvent(event)

    def shutdown(self) -> None:
        """Wait for running queries (before the window is deleted)."""
        self.fetcher.wait()
