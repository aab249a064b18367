"""A client of the D-Bus session bus read from Qt's event loop: calls answered by callback, signals as a Qt signal.

Why jeepney and not QtDBus: PySide6's QtDBus marshals every Python int as one fixed D-Bus type (and
QDBusArgument's `<<` picks uint16 for int, bool and float alike), so it cannot send the notification spec's
`u` (replaces_id) and `y` (urgency) arguments; servers built on GDBus (dunst, GNOME Shell) reject the call.
jeepney (pure Python, MIT, no dependencies) writes exact signatures. Its blocking connection is only used
to say hello; after that its socket is watched by a QSocketNotifier, so nothing here ever waits on the bus.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from itertools import count

from jeepney import HeaderFields, MatchRule, Message, MessageType, message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal, Slot

log = logging.getLogger(__name__)

CALL_TIMEOUT_MS = 3_000  # a server that does not answer by then counts as absent
HELLO_TIMEOUT_S = 1.0

ReplyHandler = Callable[[Message | None], None]  # the reply (a method return or an error), or None: no answer


class SessionBus(QObject):
    """One connection; `open()` returns None where there is no session bus (then nothing D-Bus is offered)."""

    sig_signal_received = Signal(object)  # a jeepney Message of type signal that matched an added rule

    def __init__(self, conn: DBusConnection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conn: DBusConnection | None = conn
        self._serials = count(1_000)  # our own serials for calls made here; Hello used jeepney's first ones
        self._pending: dict[int, tuple[ReplyHandler, QTimer]] = {}
        self._notifier = QSocketNotifier(conn.sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        QTimer.singleShot(0, self._on_readable)  # what arrived with Hello's reply (NameAcquired) is buffered

    @classmethod
    def open(cls, parent: QObject | None = None) -> SessionBus | None:
        address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")  # jeepney reads only this; no guessing
        if not address.startswith("unix:"):  # a tcp: bus would be a network connection, which we never open
            if address:
                log.info("the session bus is not a local socket (%s…): not used", address.split(":", 1)[0])
            return None
        try:
            conn = open_dbus_connection(bus="SESSION", auth_timeout=HELLO_TIMEOUT_S)
        except (OSError, ValueError, KeyError, TimeoutError, RuntimeError) as exc:
            log.info("no D-Bus session bus: %s", exc)
            return None
        except Exception:  # jeepney's authentication errors and the like: no bus, never a crash
            log.warning("the D-Bus session bus refused the connection", exc_info=True)
            return None
        return cls(conn, parent)

    @property
    def connected(self) -> bool:
        return self._conn is not None

    @property
    def unique_name(self) -> str:
        return self._conn.unique_name if self._conn is not None else ""

    def call(self, message: Message, on_reply: ReplyHandler, timeout_ms: int = CALL_TIMEOUT_MS) -> None:
        """Send a method call; `on_reply` runs later on the GUI thread with the answer, or None."""
        if self._conn is None:
            QTimer.singleShot(0, lambda: on_reply(None))
            return
        serial = next(self._serials)
        timer = QTimer(self, singleShot=True, interval=timeout_ms)
        timer.timeout.connect(lambda: self._answer(serial, None))
        self._pending[serial] = (on_reply, timer)
        timer.start()
        try:
            self._conn.send(message, serial=serial)
        except OSError as exc:
            log.info("D-Bus send failed: %s", exc)
            self._drop()

    def send(self, message: Message) -> None:
        """A call whose answer does not matter (CloseNotification, AddMatch)."""
        self.call(message, lambda _reply: None)

    def add_match(self, rule: MatchRule) -> None:
        self.send(message_bus.AddMatch(rule))

    def close(self) -> None:
        self._drop()

    @Slot()
    def _on_readable(self) -> None:
        conn = self._conn
        if conn is None:
            return
        while True:
            try:
                msg = conn.receive(timeout=0)
            except TimeoutError:
                return
            except (OSError, ValueError) as exc:  # the bus went away, or sent what jeepney cannot parse
                log.info("D-Bus connection lost: %s", exc)
                self._drop()
                return
            self._dispatch(msg)

    def _dispatch(self, msg: Message) -> None:
        kind = msg.header.message_type
        if kind in (MessageType.method_return, MessageType.error):
            self._answer(msg.header.fields.get(HeaderFields.reply_serial, -1), msg)
        elif kind == MessageType.signal:
            self.sig_signal_received.emit(msg)

    def _answer(self, serial: int, msg: Message | None) -> None:
        entry = self._pending.pop(serial, None)
        if entry is None:
            return
        handler, timer = entry
        timer.stop()
        timer.deleteLater()
        try:
            handler(msg)
        except Exception:  # a handler's bug must not stop the bus from being read
            log.exception("a D-Bus reply handler failed")

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._notifier.setEnabled(False)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        for serial in list(self._pending):
            self._answer(serial, None)


def is_error(reply: Message | None) -> bool:
    return reply is None or reply.header.message_type == MessageType.error
