"""Showing reminders: a desktop notification through the tray where there is one, else a toast with buttons.

No policy here: the worker decides what is due and logs it; this only renders a Nudge and reports the choice.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSystemTrayIcon, QVBoxLayout, QWidget

from tokenpulse.gui.text_fit import wrap_to_width
from tokenpulse.nudges.model import Nudge

TOAST_WIDTH = 380
TOAST_TEXT_PX = TOAST_WIDTH - 2 * 12 - 4  # the toast less its margins
TOAST_SHOWN_MS = 120_000  # then it steps aside; the tray menu and the summary still offer its actions
MESSAGE_SHOWN_MS = 20_000
CLICK_HINT = "Click to open this chat in the charts."


class ReminderToast(QFrame):
    """A small always-on-top panel near the tray (or the screen's corner) with the reminder's action buttons."""

    sig_action = Signal(str)  # the chosen action id ("close" when dismissed with ×)

    def __init__(self, nudge: Nudge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nudge = nudge
        self.setWindowFlags(Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                            | Qt.WindowType.WindowStaysOnTopHint)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("reminder_toast")
        self.setFixedWidth(TOAST_WIDTH)
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 10, 12, 10)
        head = QHBoxLayout()
        self.title = QLabel(nudge.title, objectName="reminder_title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # it names a project folder: never markup
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        head.addWidget(self.title, 1)
        close = QPushButton("×", objectName="reminder_close", flat=True, maximumWidth=28)
        close.setToolTip("Close (the reminder stays in the tray menu)")
        close.clicked.connect(lambda: self._choose("close"))
        head.addWidget(close)
        root.addLayout(head)
        self.body = QLabel(objectName="reminder_body")
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setText(wrap_to_width(nudge.body, self.body.font(), TOAST_TEXT_PX))
        root.addWidget(self.body)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for action in nudge.actions:
            button = QPushButton(action.label, objectName=f"reminder_{action.id}")
            button.clicked.connect(lambda _=False, a=action.id: self._choose(a))
            row.addWidget(button)
            self.buttons[action.id] = button
        root.addLayout(row)
        self._timer = QTimer(self, singleShot=True, interval=TOAST_SHOWN_MS)
        self._timer.timeout.connect(self.hide)

    def _choose(self, action: str) -> None:
        self.hide()
        self.sig_action.emit(action)

    def show_near(self, anchor: QRect) -> None:
        self.adjustSize()
        size = self.sizeHint().expandedTo(QSize(TOAST_WIDTH, 0))
        screen = (QGuiApplication.screenAt(anchor.center()) if not anchor.isEmpty() else None) \
            or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        if anchor.isEmpty():  # no tray icon: the bottom-right corner, where notifications usually appear
            anchor = QRect(area.right() - 1, area.bottom() - 1, 1, 1)
        below = anchor.center().y() < area.center().y()
        x = min(max(anchor.right() - size.width(), area.left()), area.right() - size.width())
        y = anchor.bottom() + 6 if below else anchor.top() - 6 - size.height()
        y = min(max(y, area.top()), area.bottom() - size.height())
        self.move(QPoint(x, y))
        self.show()
        self.raise_()
        self._timer.start()


class ReminderPresenter(QObject):
    """Shows each reminder once and remembers the latest, whose actions the tray menu and summary also offer.

    With a tray that can show messages, a reminder is a desktop notification (Qt sends it to the desktop's
    notification server where one is registered for the tray, else draws its own balloon); clicking it opens the
    chat. Without a tray it is a ReminderToast with every action as a button.
    """

    sig_action = Signal(object, str)  # (Nudge, action id)

    def __init__(self, tray_icon: QSystemTrayIcon | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icon: QSystemTrayIcon | None = None
        self.latest: Nudge | None = None
        self.toast: ReminderToast | None = None
        self.shown: list[Nudge] = []
        if tray_icon is not None:
            self.attach_icon(tray_icon)

    def attach_icon(self, tray_icon: QSystemTrayIcon) -> None:
        self._icon = tray_icon
        tray_icon.messageClicked.connect(self._on_icon_message_clicked)

    @property
    def uses_messages(self) -> bool:
        return self._icon is not None and self._icon.isVisible() and self._icon.supportsMessages()

    @Slot(object)
    def show(self, nudge: Nudge) -> None:
        self.latest = nudge
        self.shown.append(nudge)
        if self.uses_messages:
            assert self._icon is not None
            hint = f"\n{CLICK_HINT}" if nudge.session_id is not None else ""
            self._icon.showMessage(nudge.title, nudge.body + hint, QSystemTrayIcon.MessageIcon.Information,
                                   MESSAGE_SHOWN_MS)
            return
        if self.toast is not None:
            self.toast.hide()
            self.toast.deleteLater()
        self.toast = ReminderToast(nudge)
        self.toast.sig_action.connect(lambda action, n=nudge: self.choose(n, action))
        self.toast.show_near(self._icon.geometry() if self._icon is not None else QRect())

    def choose(self, nudge: Nudge, action: str) -> None:
        """An action taken in the toast, the tray menu or the summary; "close" only hides the toast."""
        if action == "close":
            return
        if self.latest is nudge and action != "open_chat":
            self.latest = None  # answered: it leaves the menu
        self.sig_action.emit(nudge, action)

    @Slot()
    def _on_icon_message_clicked(self) -> None:
        nudge = self.latest
        if nudge is not None:
            self.choose(nudge, "open_chat" if nudge.session_id is not None else "open_budgets"
                        if any(a.id == "open_budgets" for a in nudge.actions) else "dismiss")
