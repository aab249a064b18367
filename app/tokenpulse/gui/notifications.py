"""Desktop notifications through the server on the session bus (org.freedesktop.Notifications), our own ids only.

The specification: https://specifications.freedesktop.org/notification-spec/ (1.2). This module knows the
protocol (capabilities, Notify with actions, hints and replace-by-id, the ActionInvoked and
NotificationClosed signals); what a reminder says and does is gui/reminders.py's business.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, new_method_call
from PySide6.QtCore import QObject, Signal, Slot

from tokenpulse.gui.session_bus import SessionBus, is_error
from tokenpulse.platform.desktop_entry import APP_ID
from tokenpulse.resources import resource_path

log = logging.getLogger(__name__)

SERVER = DBusAddress("/org/freedesktop/Notifications", bus_name="org.freedesktop.Notifications",
                     interface="org.freedesktop.Notifications")
APP_NAME = "tokenpulse"
CATEGORY = "x-tokenpulse.reminder"  # the spec's form for a vendor category: none of its standard ones fits
URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL = 0, 1, 2
EXPIRE_DEFAULT = -1  # the server's own default time on screen
CLOSE_REASONS = {1: "expired", 2: "dismissed", 3: "closed by a call", 4: "undefined"}


@dataclass(frozen=True, slots=True)
class Note:
    """One notification to send: text, the (key, label) action pairs, and what it replaces."""

    summary: str
    body: str
    actions: tuple[tuple[str, str], ...] = ()
    replaces_id: int = 0
    urgency: int = URGENCY_NORMAL
    category: str = CATEGORY


def markup_escaped(text: str) -> str:
    """Servers with "body-markup" read the body as a small XML subset: text from the logs must stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def icon_uri() -> str:
    """The app's icon as a file:// URI (the spec's other form, a theme name, needs `desktop install` first)."""
    png = resource_path("icons", "hicolor", "48x48", "apps", "tokenpulse.png")
    return Path(png).absolute().as_uri() if Path(png).is_file() else ""


class DesktopNotifications(QObject):
    """Sends notifications and reports what happens to *ours*: other apps' ids on the same bus are ignored.

    Every answer arrives later on the GUI thread, through a callback; nothing here blocks on the bus.
    """

    sig_action_invoked = Signal(int, str)  # our notification id, the action key ("default" for a click)
    sig_closed = Signal(int, int)  # our notification id, the spec's reason (1 expired … 4 undefined)

    def __init__(self, bus_factory: Callable[[], SessionBus | None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus_factory = bus_factory or (lambda: SessionBus.open(self))
        self._bus: SessionBus | None = None
        self._tried = False
        self.ours: set[int] = set()  # ids the server gave us and has not reported closed

    def _connected(self) -> SessionBus | None:
        if self._bus is not None and not self._bus.connected:
            self._bus = None
            self._tried = False  # the bus went away: try once more the next time
        if self._bus is None and not self._tried:
            self._tried = True
            self._bus = self._bus_factory()
            if self._bus is not None:
                self._bus.sig_signal_received.connect(self._on_bus_signal_received)
                for member in ("ActionInvoked", "NotificationClosed"):
                    self._bus.add_match(MatchRule(type="signal", interface=SERVER.interface, member=member,
                                                  path=SERVER.object_path))
        return self._bus

    def capabilities(self, on_answer: Callable[[list[str] | None], None]) -> None:
        """The server's capabilities ("actions", "body-markup", …), or None when no server answers."""
        bus = self._connected()
        if bus is None:
            on_answer(None)
            return

        def answered(reply: Message | None) -> None:
            if is_error(reply):
                log.info("no notification server: %s", _error_text(reply))
                on_answer(None)
                return
            assert reply is not None
            on_answer([str(c) for c in reply.body[0]])

        bus.call(new_method_call(SERVER, "GetCapabilities"), answered)

    def notify(self, note: Note, on_sent: Callable[[int | None], None]) -> None:
        """Send `note`; `on_sent` gets the id the server chose, or None when it refused or did not answer."""
        bus = self._connected()
        if bus is None:
            on_sent(None)
            return
        actions: list[str] = [part for pair in note.actions for part in pair]
        hints = {"urgency": ("y", note.urgency), "category": ("s", note.category),
                 "desktop-entry": ("s", APP_ID)}
        body = (APP_NAME, note.replaces_id, icon_uri(), note.summary, note.body, actions, hints, EXPIRE_DEFAULT)
        message = new_method_call(SERVER, "Notify", "susssasa{sv}i", body)

        def answered(reply: Message | None) -> None:
            if is_error(reply):
                log.warning("the notification server refused a notification: %s", _error_text(reply))
                on_sent(None)
                return
            assert reply is not None
            nid = int(reply.body[0])
            self.ours.add(nid)
            on_sent(nid)

        bus.call(message, answered)

    def close(self, nid: int) -> None:
        """Take our notification off the screen (it was answered elsewhere: the menu or the summary)."""
        bus = self._connected()
        if bus is not None and nid in self.ours:
            bus.send(new_method_call(SERVER, "CloseNotification", "u", (nid,)))

    @Slot(object)
    def _on_bus_signal_received(self, msg: Message) -> None:
        member = msg.header.fields.get(HeaderFields.member)
        try:
            nid = int(msg.body[0])
        except (IndexError, TypeError, ValueError):
            return
        if nid not in self.ours:  # another app's notification: not ours to answer
            return
        if member == "ActionInvoked" and len(msg.body) > 1:
            self.sig_action_invoked.emit(nid, str(msg.body[1]))
        elif member == "NotificationClosed":
            self.ours.discard(nid)
            reason = int(msg.body[1]) if len(msg.body) > 1 else 4
            log.debug("notification %d closed: %s", nid, CLOSE_REASONS.get(reason, reason))
            self.sig_closed.emit(nid, reason)


def _error_text(reply: Message | None) -> str:
    if reply is None:
        return "no answer"
    body: Sequence[object] = reply.body or ("",)
    return str(body[0])[:200]

