"""The summary: a small frameless popup by the tray icon (or a normal window when there is no tray).

Top to bottom, one block each: the machines switch (once another device shares its ledger), today's headline
(output, with its cost), this week's long-chat waste and where its cache-read spend went, the live chat with its
waste so far, the plan limits, tokens by type, 14 days of output, the devices, the latest reminder, the agents
that went quiet, what the app is doing, and the buttons. Each block is its own widget in `root`, in that order.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.gui.device_switch import DeviceList, DeviceSwitch
from tokenpulse.gui.icons import DISC, RING
from tokenpulse.gui.limits_block import LimitsBlock
from tokenpulse.gui.sparkline import Sparkline
from tokenpulse.gui.text_fit import fit_parts, keep_parts, wrap_to_width
from tokenpulse.presenters import text
from tokenpulse.presenters.icon_state import Mode
from tokenpulse.snapshot import Snapshot

# The context bar takes the tray icon's colours: its ring while the chat grows, its disc once a fresh chat is due.
BAR_COLOURS = {"normal": RING[Mode.LIVE], "due": DISC[Mode.NUDGE]}

WIDTH = 380
TEXT_PX = WIDTH - 2 * 12 - 4  # a line of the popup: its width less the margins (and a little slack)
BOXED_PX = TEXT_PX - 2 * 8 - 4  # a line inside a framed box (the live chat, the reminder)
GAP = 6  # pixels between the tray icon and the popup


def _plain(label: QLabel) -> QLabel:
    """Labels showing text from the logs: never guessed to be rich text (a folder named `<img src=x>` would be
    rendered and make Qt open a file)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _wrap(line: str, label: QLabel, width_px: int = TEXT_PX) -> str:
    return wrap_to_width(line, label.font(), width_px)


class SummaryPopup(QFrame):
    """Fed only Snapshots; its buttons emit signals and never reach the store."""

    sig_charts_requested = Signal()
    sig_settings_requested = Signal()
    sig_pause_toggled = Signal(bool)
    sig_quit_requested = Signal()
    sig_reminder_action = Signal(str)  # an action id of the reminder shown here
    sig_devices_chosen = Signal(bool)  # the machines switch: True for all machines

    def __init__(self, window_mode: bool = False, notice: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_mode = window_mode
        self._latest: Snapshot | None = None
        if window_mode:
            self.setWindowTitle("tokenpulse")
        else:
            self.setWindowFlags(Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
            self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("summary")
        self.setFixedWidth(WIDTH)
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 10, 12, 10)
        root.setSpacing(6)
        self.root = root
        if notice:
            label = _plain(QLabel(objectName="notice"))
            label.setText(_wrap(notice, label))
            root.addWidget(label)
        self.device_switch = DeviceSwitch()  # shown once another device shares its ledger
        self.device_switch.sig_changed.connect(self._on_device_switch_changed)
        root.addWidget(self.device_switch)
        root.addWidget(self._headline_block())
        root.addWidget(self._week_block())
        root.addWidget(self._live_block())
        self.limits_block = LimitsBlock(BOXED_PX)  # plan limits (issue 11), its own module
        root.addWidget(self.limits_block)
        root.addWidget(self._types_block())
        root.addWidget(self._spark_block())
        self.device_list = DeviceList()
        root.addWidget(self.device_list)
        root.addWidget(self._reminder_block())
        self.quiet = _plain(QLabel(objectName="quiet_sources", styleSheet="color: #c62828;"))  # source health
        root.addWidget(self.quiet)
        self.state = _plain(QLabel(objectName="state"))
        root.addWidget(self.state)
        root.addLayout(self._buttons())

    @staticmethod
    def _bold(label: QLabel) -> QLabel:
        f = label.font()
        f.setBold(True)
        label.setFont(f)
        return label

    @staticmethod
    def _block(name: str) -> tuple[QWidget, QVBoxLayout]:
        box = QWidget(objectName=name)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        return box, lay

    def _headline_block(self) -> QWidget:
        """Today's output, the work, with what it cost beside it."""
        box, lay = self._block("headline_block")
        self.headline = QLabel(objectName="headline")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.headline.setFont(font)
        lay.addWidget(self.headline)
        return box

    def _week_block(self) -> QWidget:
        """This week's long-chat waste, and where its cache-read spend went (smaller)."""
        box, lay = self._block("week_block")
        self.week_waste = QLabel(objectName="week_waste")
        self.week_facts = QLabel(objectName="week_facts")
        small = self.week_facts.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.week_facts.setFont(small)
        lay.addWidget(self.week_waste)
        lay.addWidget(self.week_facts)
        return box

    def _types_block(self) -> QWidget:
        box, lay = self._block("types_block")
        lay.addWidget(self._bold(QLabel("Tokens by type")))
        lay.addLayout(self._table())
        hint = QLabel("Output is the work; the rest is what the model was fed.")
        font = hint.font()
        font.setItalic(True)
        hint.setFont(font)
        lay.addWidget(hint)
        return box

    def _spark_block(self) -> QWidget:
        box, lay = self._block("spark_block")
        self.spark_caption = QLabel(objectName="spark_caption")
        self.spark = Sparkline()
        lay.addWidget(self.spark_caption)
        lay.addWidget(self.spark)
        return box

    def _table(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        for col, head in ((1, "Today"), (2, "This week")):
            grid.addWidget(self._bold(QLabel(head)), 0, col, Qt.AlignmentFlag.AlignRight)
        self.cells: dict[tuple[str, str], QLabel] = {}
        for row, (key, label) in enumerate((*text.TOKEN_TYPES, ("cost", "Cost")), start=1):
            grid.addWidget(QLabel(label), row, 0)
            for col, period in ((1, "today"), (2, "week")):
                cell = QLabel(objectName=f"{period}_{key}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if key in ("output", "cost"):
                    self._bold(cell)
                grid.addWidget(cell, row, col)
                self.cells[(key, period)] = cell
        grid.setColumnStretch(0, 1)
        return grid

    @staticmethod
    def _panel(name: str) -> tuple[QFrame, QVBoxLayout]:
        box = QFrame(objectName=name)
        box.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(8, 6, 8, 6)
        return box, lay

    def _live_block(self) -> QFrame:
        box, lay = self._panel("live")
        self.live_title = _plain(self._bold(QLabel(objectName="live_title")))
        self.live_detail = _plain(QLabel(objectName="live_detail"))
        self.live_waste = _plain(QLabel(objectName="live_waste"))
        self.live_bar = QProgressBar(objectName="live_bar", textVisible=False, maximumHeight=8)
        self.live_bar_state = ""
        self.live_advice = _plain(QLabel(objectName="live_advice"))
        self.fresh_chat_reminder_shown = False  # its body argues what the advice says: one of them is enough
        for w in (self.live_title, self.live_detail, self.live_waste, self.live_bar, self.live_advice):
            lay.addWidget(w)
        return box

    def _bar_state(self, state: str) -> None:
        """The context bar in the icon's colour for this state ("normal" or "due")."""
        if state == self.live_bar_state:
            return
        self.live_bar_state = state
        self.live_bar.setStyleSheet(
            "QProgressBar { border: 1px solid palette(mid); border-radius: 3px; background: palette(base); }"
            f" QProgressBar::chunk {{ background: {BAR_COLOURS[state]}; border-radius: 2px; }}")

    def _reminder_block(self) -> QFrame:
        """The latest reminder not yet answered, with its actions (hidden when there is none)."""
        box, lay = self._panel("reminder")
        self.reminder_title = _plain(self._bold(QLabel(objectName="reminder_title")))
        self.reminder_body = _plain(QLabel(objectName="reminder_body"))
        lay.addWidget(self.reminder_title)
        lay.addWidget(self.reminder_body)
        self._reminder_row = QHBoxLayout()
        lay.addLayout(self._reminder_row)
        self.reminder_buttons: dict[str, QPushButton] = {}
        box.setVisible(False)
        self.reminder_box = box
        return box

    @Slot(object)
    def show_reminder(self, nudge: object) -> None:
        from tokenpulse.nudges.model import Nudge

        assert isinstance(nudge, Nudge)
        self.reminder_title.setText(_wrap(nudge.title, self.reminder_title, BOXED_PX))
        self.reminder_body.setText(_wrap(nudge.body, self.reminder_body, BOXED_PX))
        for button in self.reminder_buttons.values():
            self._reminder_row.removeWidget(button)
            button.deleteLater()
        self.reminder_buttons = {}
        for action in nudge.actions:
            button = QPushButton(action.label, objectName=f"reminder_{action.id}")
            button.clicked.connect(lambda _=False, a=action.id: self._on_reminder_button_clicked(a))
            self._reminder_row.addWidget(button)
            self.reminder_buttons[action.id] = button
        self.reminder_box.setVisible(True)
        self.fresh_chat_reminder_shown = nudge.rule == "fresh_chat"
        self._show_advice()
        self._fit()

    @Slot()
    def hide_reminder(self) -> None:
        self.reminder_box.setVisible(False)
        self.fresh_chat_reminder_shown = False
        self._show_advice()
        self._fit()

    def _on_reminder_button_clicked(self, action: str) -> None:
        if action != "open_chat":
            self.reminder_box.setVisible(False)  # answered
            self.fresh_chat_reminder_shown = False
            self._show_advice()
            self._fit()
        self.sig_reminder_action.emit(action)

    def _buttons(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        row = QHBoxLayout()
        rows.addLayout(row)
        charts = QPushButton("Open charts", objectName="open_charts")
        charts.clicked.connect(self.sig_charts_requested)
        row.addWidget(charts)
        settings = QPushButton("Settings…", objectName="settings")
        settings.clicked.connect(self.sig_settings_requested)
        row.addWidget(settings)
        if self.window_mode:  # no tray menu: the window carries its actions
            row = QHBoxLayout()
            rows.addLayout(row)
            self.pause_button = QPushButton("Pause watching", objectName="pause", checkable=True)
            self.pause_button.toggled.connect(self.sig_pause_toggled)
            row.addWidget(self.pause_button)
            quit_ = QPushButton("Quit", objectName="quit")
            quit_.clicked.connect(self.sig_quit_requested)
            row.addWidget(quit_)
        return rows

    def _on_device_switch_changed(self, every: bool) -> None:
        if self._latest is not None:
            self.update_snapshot(self._latest)
        self.sig_devices_chosen.emit(every)

    @Slot(object)
    def update_snapshot(self, snap: Snapshot) -> None:
        self._latest = snap
        self.device_switch.setVisible(snap.everywhere is not None)
        every = self.device_switch.every and snap.everywhere is not None
        self.device_list.show_snapshot(snap if every else snap.with_state(everywhere=None),
                                       lambda line: _wrap(line, self.device_list.label))
        snap = snap.machines(every)  # the live chat, reminders and state stay this machine's
        for r, key in zip(text.summary_rows(snap), [k for k, _ in text.TOKEN_TYPES] + ["cost"]):
            self.cells[(key, "today")].setText(r.today)
            self.cells[(key, "week")].setText(r.week)
        for period, totals in (("today", snap.today), ("week", snap.week)):
            self.cells[("cost", period)].setToolTip(text.cost_note(totals) or "")
        self.headline.setText(text.headline(snap))
        self.week_waste.setText(text.week_waste(snap))
        facts = text.week_facts(snap)
        self.week_facts.setText(_wrap(keep_parts(facts or ""), self.week_facts))
        self.week_facts.setVisible(facts is not None)
        self.spark_caption.setText(text.spark_caption(snap))
        self.spark.set_values(snap.spark_days, snap.spark_output, text.spark_dates(snap))
        live = snap.live
        if live is None:
            title, detail = text.no_live_lines(snap)
            self.live_title.setText(title)
            self.live_detail.setText(detail)
            self.live_waste.setVisible(False)
            self.live_bar.setVisible(False)
            self.live_advice.setVisible(False)
        else:
            self.live_title.setText(_wrap(text.live_title(live), self.live_title, BOXED_PX))
            lines = (*text.live_context_line(live, snap.context_threshold).splitlines(), text.live_cost_line(live))
            self.live_detail.setText("\n".join(fit_parts(line, self.live_detail.font(), BOXED_PX) for line in lines))
            waste = text.live_waste_line(live)
            self.live_waste.setText(_wrap(waste or "", self.live_waste, BOXED_PX))
            self.live_waste.setVisible(waste is not None)
            self._bar_state("due" if snap.nudge_pending else "normal")
            self.live_bar.setVisible(True)
            self.live_bar.setRange(0, max(1, snap.context_threshold))
            self.live_bar.setValue(min(live.context_tokens, snap.context_threshold))
            advice = text.live_advice(snap)
            self.live_advice.setText(_wrap(advice or "", self.live_advice, BOXED_PX))
            self._show_advice()
        quiet = text.quiet_lines(snap)
        self.quiet.setText("\n".join(_wrap(line, self.quiet) for line in quiet))
        self.quiet.setVisible(bool(quiet))
        self.limits_block.update_snapshot(snap)
        lines = text.state_lines(snap)
        if not snap.ready and snap.importing is None and not snap.paused:
            lines.insert(0, "Reading the logs…")
        self.state.setText("\n".join(_wrap(line, self.state) for line in lines))
        self.state.setVisible(bool(lines))
        if self.window_mode:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(snap.paused)
            self.pause_button.blockSignals(False)
        self._fit()

    def _show_advice(self) -> None:
        """The live chat's advice, unless a fresh-chat reminder on screen already argues it (the summary then
        fits a smaller screen)."""
        self.live_advice.setVisible(self.live_bar.isVisibleTo(self) and bool(self.live_advice.text())
                                    and not self.fresh_chat_reminder_shown)

    def _fit(self) -> None:
        """Height for the current texts, also while hidden. Texts are wrapped here rather than by
        word-wrapping labels, whose height-for-width a hidden window gets wrong (it clipped lines)."""
        self.ensurePolished()
        for inner in self.findChildren(QLayout):  # nested layouts keep stale size hints while hidden
            inner.invalidate()
        self.layout().activate()
        self.resize(WIDTH, self.sizeHint().height())
        if self.isVisible() and not self.window_mode:
            self._keep_on_screen()

    def _keep_on_screen(self) -> None:
        """A summary that grew while open (a reminder arrived) moves up rather than off the screen's bottom."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        g = self.frameGeometry()
        y = max(min(g.top(), area.bottom() - g.height() + 1), area.top())
        if y != g.top():
            self.move(QPoint(g.left(), y))

    def show_near(self, anchor: QRect) -> None:
        """Next to the tray icon, inside the screen's free area; under the cursor when the icon's place is unknown."""
        self._fit()
        size = self.size()
        if anchor.isEmpty():
            from PySide6.QtGui import QCursor

            anchor = QRect(QCursor.pos(), QSize(1, 1))
        screen = QGuiApplication.screenAt(anchor.center()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        x = anchor.right() - size.width()
        below = anchor.center().y() < area.center().y()
        y = anchor.bottom() + GAP if below else anchor.top() - GAP - size.height()
        x = min(max(x, area.left()), area.right() - size.width())
        y = min(max(y, area.top()), area.bottom() - size.height())
        self.move(QPoint(x, y))
        self.show()
        self.raise_()
        self.activateWindow()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not self.window_mode:
            self.hide()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.window_mode:  # without a tray, closing the window is how one quits
            self.sig_quit_requested.emit()
        super().closeEvent(event)
