"""What if…: the range, the selected project or the chat shown in Chats re-priced at another model's rates, and
the per-model facts that help choose a model that is just enough (as `tokenpulse whatif` gives them).

A dialog of the charts window, not modal: the user picks a model (the price table's models, or any name the
price source knows) and what to re-price; the figures come from insights.whatif_report (the CLI's functions)
on the window's query pool, and follow the window's range. It says plainly that the same tokens on another
model is an approximation, and gives facts only: no advice. Names from the logs (folders, models, chat ids)
are shown as plain text, their control characters escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.gui.charts.base import Request
from tokenpulse.gui.charts.fetcher import Query
from tokenpulse.gui.charts.style import short_project
from tokenpulse.gui.charts.table_model import RowsModel, keep_indicator, listing
from tokenpulse.gui.charts.whatif_rows import facts_rows, light_rows, priced_models, repriced_rows, totals_words
from tokenpulse.insights.call_scope import Scope
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.insights.model_fit import SMALL_OUTPUT
from tokenpulse.insights.whatif import APPROXIMATION
from tokenpulse.insights.whatif_report import WhatIfReport, whatif_report
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.pricing.rates import Rates
from tokenpulse.store.queries import Filter
from tokenpulse.untrusted_text import escape_controls

REPRICED_COLUMNS = ("Model", "Calls", "Input", "Cache write", "Cache read", "Output", "Cost", "What-if cost",
                    "Difference")
FACT_COLUMNS = ("Model", "Calls", "Small outputs", "Median output", "Output", "Cost", "Cost per 1k output",
                "Output price / Mtok")
LIGHT_COLUMNS = ("Last call", "Project", "Chat", "Calls", "Small", "Median output", "Cost")


class Host(Protocol):
    """The charts window as the dialog sees it."""

    sig_view_updated: SignalInstance

    def fetch(self, query: Query, done: Callable[[object], None]) -> None: ...

    def request(self) -> Request: ...

    def show_session(self, session_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Target:
    """What to re-price: the whole range ("all"), a project folder (its sub-folders included) or a chat (its
    sub-agent chats included)."""

    kind: str  # "all" | "project" | "chat"
    folder: str | None = None
    chat_id: int | None = None

    def scope(self, window: Filter) -> Scope:
        if self.kind == "project":
            return Scope(window, project=self.folder)
        if self.kind == "chat":
            return Scope(window, chat_id=self.chat_id)
        return Scope(window)


@dataclass(frozen=True, slots=True)
class Shown:
    """A what-if as read on the worker: its days, what the chat is (for its label) and the report."""

    range: DayRange
    chat: str | None  # "source:session id" of a chat target
    report: WhatIfReport


class _StoreRates:
    """The rates the store cached when it priced its calls (as `tokenpulse whatif` reads them); a model or day
    it lacks is looked up in the price list. Never writes: the charts' connections are read-only."""

    def __init__(self, conn: object) -> None:
        self._conn = conn

    def cached_rates(self, model: str, day: str) -> tuple[bool, str | None]:
        row = self._conn.execute("SELECT rates FROM model_price WHERE model = ? AND day = ?",  # type: ignore[attr-defined]
                                 (model, day)).fetchone()
        return (row is not None, row[0] if row else None)

    def save_rates(self, model: str, day: str, rates: str | None) -> None:
        return None


def whatif_query(request: Request, target: Target, model: str, small: int, overrides: Mapping[str, Rates],
                 now_ms: int) -> Query:
    """The worker's part: the range's days, the scope, and the report (insights.whatif_report)."""
    def run(conn):  # type: ignore[no-untyped-def]
        rng = request.resolve(conn)
        lo, hi = rng.window_ms(request.tz)
        pricer = Pricer(_StoreRates(conn), overrides)
        report = whatif_report(conn, target.scope(Filter(since_ms=lo, until_ms=hi)), model, pricer, now_ms, small)
        chat = None
        if target.kind == "chat":
            row = conn.execute("SELECT source, session_key FROM chat_session WHERE id = ?",
                               (target.chat_id,)).fetchone()
            chat = None if row is None else f"{row[0]}:{row[1]}"
        return Shown(rng, chat, report)
    return run


def _table(headers: tuple[str, ...], widths: tuple[int, ...], sort_column: int,
           first_number: int = 1) -> tuple[QWidget, RowsModel]:
    """A listing whose columns from `first_number` on are numbers (right-aligned, largest first)."""
    model = RowsModel(headers, set(range(first_number, len(headers))), sort_column, Qt.SortOrder.DescendingOrder)
    view = listing(model, widths, sort_column)
    model.sig_order_chosen.connect(lambda col, order: keep_indicator(view.header(), col, order))
    return view, model


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # folder and model names come from the logs
    label.setWordWrap(True)
    return label


class WhatIfDialog(QDialog):
    """`set_targets(project folder or None, chat id or None, preferred kind)` says what can be re-priced now."""

    sig_shown = Signal()  # a report was drawn

    def __init__(self, host: Host, overrides: Mapping[str, Rates], now_ms: Callable[[], int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("tokenpulse — what if another model…")
        self.resize(1000, 720)
        self.host = host
        self.overrides = dict(overrides)
        self.now_ms = now_ms
        self.shown: Shown | None = None
        self._asked = 0
        self._request_key: tuple[object, ...] = ()
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model.addItems(priced_models(self.overrides))
        self.model.setCurrentIndex(-1)
        self.model.lineEdit().setPlaceholderText("a model from the price list (type to search)")
        completer = QCompleter(self.model.model(), self.model)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.model.setCompleter(completer)
        self.what = QComboBox()
        self.small = QSpinBox()
        self.small.setRange(0, 1_000_000)
        self.small.setValue(SMALL_OUTPUT)
        self.small.setSuffix(" output tokens")
        self.small.setToolTip("A call that wrote at most this many output tokens counts as small")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)  # typing a name or a number: one query when the user pauses
        self._debounce.timeout.connect(self.reload)
        self.model.currentTextChanged.connect(self._debounce.start)
        self.small.valueChanged.connect(self._debounce.start)
        self.what.currentIndexChanged.connect(self.reload)
        form = QFormLayout()
        form.addRow("Re-price", self.what)
        form.addRow("as if served by", self.model)
        form.addRow("Small output: at most", self.small)
        self.headline = _plain_label()
        self.note = _plain_label(APPROXIMATION)
        self.repriced_view, self.repriced = _table(REPRICED_COLUMNS, (210, 60, 80, 85, 85, 75, 80, 90, 85), 6)
        self.facts_title = _plain_label()
        self.facts_view, self.facts = _table(FACT_COLUMNS, (210, 60, 110, 100, 80, 80, 115, 110), 1)
        self.light_title = _plain_label()
        self.light_view, self.light = _table(LIGHT_COLUMNS, (125, 260, 200, 60, 60, 100, 80), 6, 3)
        self.light_view.setToolTip("Double-click a chat to open it in Chats")
        self.light_view.doubleClicked.connect(self._on_light_double_clicked)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addLayout(form, 1)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.note)
        layout.addWidget(self.repriced_view, 2)
        layout.addWidget(self.facts_title)
        layout.addWidget(self.facts_view, 2)
        layout.addWidget(self.light_title)
        layout.addWidget(self.light_view, 2)
        host.sig_view_updated.connect(self._on_view_updated)

    # --- what to re-price --------------------------------------------------------------------------------

    def set_targets(self, folder: str | None, chat_id: int | None, prefer: str = "all") -> None:
        """The range always; the project selected in Projects and the chat shown in Chats when there are."""
        targets = [(Target("all"), "Everything in the range")]
        if folder:  # the unknown folder ('') cannot be asked for by name
            targets.append((Target("project", folder=folder),
                            f"Project {escape_controls(short_project(folder))} (sub-folders included)"))
        if chat_id is not None:
            targets.append((Target("chat", chat_id=chat_id), "The chat shown in Chats (sub-agents included)"))
        chosen = next((i for i, (t, _) in enumerate(targets) if t.kind == prefer), 0)
        self.what.blockSignals(True)
        self.what.clear()
        for target, text in targets:
            self.what.addItem(text, target)
        self.what.setCurrentIndex(chosen)
        self.what.blockSignals(False)
        self.reload()

    @property
    def target(self) -> Target:
        found = self.what.currentData()
        return found if isinstance(found, Target) else Target("all")

    def set_model(self, name: str) -> None:
        """Choose the model (as the user would), and re-price now."""
        self.model.setCurrentText(name)
        self._debounce.stop()
        self.reload()

    # --- fetching ------------------------------------------------------------------------------------------

    def _on_view_updated(self, _name: str) -> None:
        if self.isVisible() and (self.shown is None or self.host.request().key != self._request_key):
            self.reload()  # the window's range (or zone) changed: follow it

    def reload(self) -> None:
        request = self.host.request()
        self._request_key = request.key
        self._asked += 1
        asked = self._asked
        query = whatif_query(request, self.target, self.model.currentText().strip(), self.small.value(),
                             self.overrides, self.now_ms())
        self.headline.setText("Reading…")
        self.host.fetch(query, lambda shown: self._draw(shown, asked))  # type: ignore[arg-type]

    def _draw(self, shown: Shown, asked: int) -> None:
        if asked != self._asked:
            return  # an older question's answer
        self.shown = shown
        r = shown.report
        days = f"{shown.range.first} … {shown.range.last}"
        what = self.what.currentText() + (f" ({escape_controls(shown.chat)})" if shown.chat else "")
        self.headline.setText(f"{what}, {days}: {totals_words(r)}")
        self.repriced.set_rows(repriced_rows(r))
        self.facts_title.setText(f"Per model: what the calls wrote (small: at most {r.small:,} output tokens)")
        self.facts.set_rows(facts_rows(r))
        tz = self.host.request().tz
        self.light.set_rows(light_rows(r, tz))
        self.light_title.setText(
            "" if r.dearest is None else
            f"Chats on {escape_controls(r.dearest)} (the highest output price here) whose calls on it mostly wrote"
            f" at most {r.small:,} output tokens: {len(r.light)}")
        self.sig_shown.emit()

    def _on_light_double_clicked(self, index: QModelIndex) -> None:
        sid = self.light.payload(index.row())
        if isinstance(sid, int):
            self.host.show_session(sid)
