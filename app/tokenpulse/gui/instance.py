"""One app per data folder, and a clean end on Ctrl-C or SIGTERM: the single-instance lock (a second start asks
the first to show its summary over a local socket) and the waker that lets a POSIX signal stop the Qt loop."""

from __future__ import annotations

import hashlib
import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from tokenpulse.config.paths import AppPaths
from tokenpulse.platform.app_lock import AppLock

log = logging.getLogger(__name__)


class SingleInstance(QObject):
    """One app per data folder: the app lock there (`platform.app_lock.AppLock`, the same one the CLI asks about),
    plus a local socket on which a second start says "show"."""

    sig_show_requested = Signal()

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = AppLock(paths.instance_lock)
        self.name = "tokenpulse-" + hashlib.sha1(str(paths.data_dir.resolve()).encode()).hexdigest()[:16]
        self._server: QLocalServer | None = None

    def acquire(self) -> bool:
        """False when another app holds the lock; AppLockError (plain words) when the folder cannot be written."""
        if not self._lock.acquire(wait=0.2):
            return False
        QLocalServer.removeServer(self.name)  # a socket left by a crash; we hold the lock, so it is stale
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        if not self._server.listen(self.name):
            log.warning("single-instance socket: %s", self._server.errorString())
        return True

    def ask_running_to_show(self, timeout_ms: int = 2000) -> bool:
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(timeout_ms):
            return False
        sock.write(b"show\n")
        ok = sock.waitForBytesWritten(timeout_ms)
        sock.disconnectFromServer()
        if sock.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            sock.waitForDisconnected(timeout_ms)
        return ok

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
        self._lock.release()

    @Slot()
    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        while (conn := self._server.nextPendingConnection()) is not None:
            # the client writes right after connecting; a short wait keeps this free of per-socket slots
            ready = conn.bytesAvailable() > 0 or conn.waitForReadyRead(500)
            if ready and b"show" in bytes(conn.readAll().data()):
                self.sig_show_requested.emit()
            conn.abort()
            conn.deleteLater()


class SignalWaker:
    """Lets Ctrl-C and SIGTERM quit the Qt loop without a polling timer: the signal wakes a socket Qt watches."""

    def __init__(self, on_signal: Callable[[], None]) -> None:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._write.fileno())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        # the Python handler runs as soon as control returns to Python, which this slot guarantees
        self._notifier.activated.connect(lambda *_: self._read.recv(64))
        self._old = {s: signal.signal(s, lambda *_: on_signal()) for s in (signal.SIGINT, signal.SIGTERM)}

    def close(self) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._old_fd)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()
