"""Showing reminders: a desktop notification with buttons, else Qt's balloon by the tray icon, else a toast.

No policy here: the worker decides what is due and logs it; this only renders a Nudge and reports the choice.
The order: the notification server on the session bus (asked for its capabilities each time: without
"actions" the reminder goes without buttons, and the tray menu and the summary keep its actions); without a
server, Qt's own balloon where the tray is an XEMBED one (Qt draws it); else the toast window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from tokenpulse.gui.notifications import URGENCY_LOW, URGENCY_NORMAL, DesktopNotifications, Note, markup_escaped
from tokenpulse.gui.text_fit import wrap_to_width
from tokenpulse.gui.tray import xembed_tray_in_use
from tokenpulse.nudges.model import Nudge

log = logging.getLogger(__name__)

TOAST_WIDTH = 380
TOAST_TEXT_PX = TOAST_WIDTH - 2 * 12 - 4  # the toast less its margins
TOAST_SHOWN_MS = 120_000  # then it steps aside; the tray menu and the summary still offer its actions
MESSAGE_SHOWN_MS = 20_000
CLICK_HINT = "Click to open this chat in the charts."
DEFAULT_ACTION = "default"  # the spec's key for a click on the notification itself
NOTICE_CATEGORY = "x-tokenpulse.notice"


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

    Only our own notifications are answered: the server's signals for other ids are dropped by
    DesktopNotifications, and a click on Qt's balloon counts only while the balloon on screen is a reminder
    of ours (Qt's `messageClicked` also fires for notices, and on some desktops for other apps). Closing a
    notification, or the toast, is not an answer: the reminder stays in the menu and the summary.
    """

    sig_action = Signal(object, str)  # (Nudge, action id)
    sig_summary_requested = Signal()  # a click on a reminder that has no chat or budget to open

    def __init__(self, tray_icon: QSystemTrayIcon | None, parent: QObject | None = None, *,
                 notifications: DesktopNotifications | None = None,
                 balloon_possible: Callable[[], bool] | None = None) -> None:
        super().__init__(parent)
        self._icon: QSystemTrayIcon | None = None
        self.notifications = notifications or DesktopNotifications(parent=self)
        self.notifications.sig_action_invoked.connect(self._on_notification_action_invoked)
        self.notifications.sig_closed.connect(self._on_notification_closed)
        self._balloon_possible = balloon_possible or self._xembed_balloon_possible
        self.latest: Nudge | None = None
        self.toast: ReminderToast | None = None
        self.shown: list[Nudge] = []
        self.channels: list[tuple[str, str]] = []  # (nudge key, "notification" | "balloon" | "toast"), in order
        self._by_id: dict[int, Nudge] = {}  # our notification ids still on screen → their reminder
        self._thread_ids: dict[str, int] = {}  # reminder thread (key less its level) → its notification id
        self._balloon_nudge: Nudge | None = None  # the reminder Qt's balloon shows now, if any
        self._balloon_timer = QTimer(self, singleShot=True, interval=MESSAGE_SHOWN_MS + 2_000)
        self._balloon_timer.timeout.connect(self._forget_balloon)
        if tray_icon is not None:
            self.attach_icon(tray_icon)

    def attach_icon(self, tray_icon: QSystemTrayIcon) -> None:
        self._icon = tray_icon
        tray_icon.messageClicked.connect(self._on_icon_message_clicked)

    def _xembed_balloon_possible(self) -> bool:
        """Qt draws its own balloon only for an icon in an XEMBED tray; on a StatusNotifier tray `showMessage`
        would go to the (absent) notification server instead."""
        icon = self._icon
        return icon is not None and icon.isVisible() and icon.supportsMessages() and xembed_tray_in_use()

    # --- reminders ------------------------------------------------------------------------------------------

    @Slot(object)
    def show(self, nudge: Nudge) -> None:
        self.latest = nudge
        self.shown.append(nudge)
        self.notifications.capabilities(lambda caps, n=nudge: self._deliver(n, caps))

    def _deliver(self, nudge: Nudge, caps: list[str] | None) -> None:
        if caps is None:
            self._fall_back(nudge)
            return
        actions: tuple[tuple[str, str], ...] = ()
        if "actions" in caps:
            default = self._default_choice(nudge)
            actions = ((DEFAULT_ACTION, default_label(nudge, default)),
                       *((a.id, a.label) for a in nudge.actions))
        body = markup_escaped(nudge.body) if "body-markup" in caps else nudge.body
        thread = reminder_thread(nudge.key)
        note = Note(nudge.title, body, actions, replaces_id=self._thread_ids.get(thread, 0), urgency=URGENCY_NORMAL)
        self.notifications.notify(note, lambda nid, n=nudge: self._sent(n, nid))

    def _sent(self, nudge: Nudge, nid: int | None) -> None:
        if nid is None:  # the server refused it or stopped answering
            self._fall_back(nudge)
            return
        thread = reminder_thread(nudge.key)
        old = self._thread_ids.get(thread)
        if old is not None and old != nid:
            self._by_id.pop(old, None)
        self._thread_ids[thread] = nid
        self._by_id[nid] = nudge
        self.channels.append((nudge.key, "notification"))
        log.info("reminder %s shown as notification %d", nudge.key, nid)

    def _fall_back(self, nudge: Nudge) -> None:
        if self._balloon_possible():
            assert self._icon is not None
            hint = f"\n{CLICK_HINT}" if nudge.session_id is not None else ""
            self._balloon_nudge = nudge
            self._balloon_timer.start()
            self._icon.showMessage(nudge.title, nudge.body + hint, QSystemTrayIcon.MessageIcon.Information,
                                   MESSAGE_SHOWN_MS)
            self.channels.append((nudge.key, "balloon"))
            log.info("reminder %s shown in the tray's balloon (no notification server)", nudge.key)
            return
        if self.toast is not None:
            self.toast.hide()
            self.toast.deleteLater()
        self.toast = ReminderToast(nudge)
        self.toast.sig_action.connect(lambda action, n=nudge: self.choose(n, action))
        self.toast.show_near(self._icon.geometry() if self._icon is not None else QRect())
        self.channels.append((nudge.key, "toast"))
        log.info("reminder %s shown as a toast (no notification server, no tray balloon)", nudge.key)

    def choose(self, nudge: Nudge, action: str) -> None:
        """An action taken in the notification, the toast, the tray menu or the summary; "close" only hides."""
        if action == "close":
            return
        if action != "open_chat":  # answered: it leaves the menu, and its notification leaves the screen
            if self.latest is nudge:
                self.latest = None
            for nid, shown in list(self._by_id.items()):
                if shown is nudge:
                    self.notifications.close(nid)
        self.sig_action.emit(nudge, action)

    @staticmethod
    def _default_choice(nudge: Nudge) -> str | None:
        """What a click on the reminder itself does: open its chat, or its budgets, else just the summary."""
        if nudge.session_id is not None and any(a.id == "open_chat" for a in nudge.actions):
            return "open_chat"
        if any(a.id == "open_budgets" for a in nudge.actions):
            return "open_budgets"
        return None

    @Slot(int, str)
    def _on_notification_action_invoked(self, nid: int, key: str) -> None:
        nudge = self._by_id.get(nid)
        if nudge is None:
            return
        if key == DEFAULT_ACTION:
            choice = self._default_choice(nudge)
            if choice is None:
                self.sig_summary_requested.emit()
                return
            key = choice
        if any(a.id == key for a in nudge.actions):
            self.choose(nudge, key)

    @Slot(int, int)
    def _on_notification_closed(self, nid: int, _reason: int) -> None:
        """Gone from the screen (expired, dismissed, or replaced by our next level): not an answer."""
        nudge = self._by_id.pop(nid, None)
        if nudge is not None and self._thread_ids.get(reminder_thread(nudge.key)) == nid:
            del self._thread_ids[reminder_thread(nudge.key)]

    @Slot()
    def _on_icon_message_clicked(self) -> None:
        nudge = self._balloon_nudge
        if nudge is None:  # a notice's balloon, or not ours at all
            return
        self._forget_balloon()
        choice = self._default_choice(nudge)
        if choice is None:
            self.sig_summary_requested.emit()
        else:
            self.choose(nudge, choice)

    @Slot()
    def _forget_balloon(self) -> None:
        self._balloon_nudge = None
        self._balloon_timer.stop()

    # --- notices (errors and one-time hints) ------------------------------------------------------------

    def inform(self, title: str, body: str, *, warning: bool = False,
               otherwise: Callable[[], None] | None = None) -> None:
        """A message without actions: a notification, else the tray's balloon, else `otherwise()`."""
        def delivered(nid: int | None) -> None:
            if nid is None:
                balloon()

        def balloon() -> None:
            if self._balloon_possible():
                assert self._icon is not None
                self._forget_balloon()  # a click on this balloon must not answer a reminder
                icon = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
                self._icon.showMessage(title, body, icon, MESSAGE_SHOWN_MS)
            elif otherwise is not None:
                otherwise()

        def answered(caps: list[str] | None) -> None:
            if caps is None:
                balloon()
                return
            text = markup_escaped(body) if "body-markup" in caps else body
            self.notifications.notify(Note(title, text, urgency=URGENCY_NORMAL if warning else URGENCY_LOW,
                                           category=NOTICE_CATEGORY), delivered)

        self.notifications.capabilities(answered)


def reminder_thread(key: str) -> str:
    """"fresh_chat:7:2" → "fresh_chat:7": the levels of one reminder replace each other on screen."""
    head, sep, level = key.rpartition(":")
    return head if sep and level.isdigit() else key


def default_label(nudge: Nudge, choice: str | None) -> str:
    """Servers that draw the default action as a button need a label for it."""
    return next((a.label for a in nudge.actions if a.id == choice), "Show summary")
