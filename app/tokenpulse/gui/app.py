"""The tray app's start-up and wiring: QApplication, one instance per data folder, worker + bridge, tray or window."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, QSocketNotifier, QTimer, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from tokenpulse.clock import Clock, SystemClock, zone
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import AppPaths, resolve
from tokenpulse.config.settings import Settings
from tokenpulse.gui.bridge import Bridge
from tokenpulse.gui.icons import app_icon
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.reminders import ReminderPresenter
from tokenpulse.gui.settings_dialog import SettingsDialog
from tokenpulse.gui.tray import Tray
from tokenpulse.nudges.model import Nudge
from tokenpulse.nudges.policy import DEFAULT_GRACE_MS
from tokenpulse.platform.autostart import DESKTOP_ID, XdgAutostart, default_command
from tokenpulse.service.messages import ApplySettings, Pause, ReminderAnswer, RestoreBackup, Resume
from tokenpulse.service.worker import IngestWorker, WorkspaceFactory
from tokenpulse.snapshot import Snapshot
from tokenpulse.sources import registry

if TYPE_CHECKING:
    from tokenpulse.gui.charts.window import ChartsWindow

log = logging.getLogger(__name__)

CHARTS_WARM_UP_MS = 3_000
NO_TRAY_NOTICE = "No system tray was found, so tokenpulse shows its summary in this window. Closing it quits."


class SingleInstance(QObject):
    """One app per data folder: a QLockFile there, plus a local socket on which a second start says "show"."""

    sig_show_requested = Signal()

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        paths.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = QLockFile(str(paths.instance_lock))
        self._lock.setStaleLockTime(0)  # stale means "its process is gone", never "old"
        self.name = "tokenpulse-" + hashlib.sha1(str(paths.data_dir.resolve()).encode()).hexdigest()[:16]
        self._server: QLocalServer | None = None

    def acquire(self) -> bool:
        old_umask = os.umask(0o077)  # QLockFile creates its file 0666 minus the umask: keep it the user's own
        try:
            if not self._lock.tryLock(200):
                return False
        finally:
            os.umask(old_umask)
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
        self._lock.unlock()

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


class TokenpulseApp(QObject):
    """Builds and connects the parts; owns the settings file and the login entry (the worker owns the store)."""

    def __init__(self, paths: AppPaths, *, env: Mapping[str, str] | None = None, home: Path | None = None,
                 clock: Clock | None = None, no_tray: bool = False, background: bool = False,
                 tray_available: bool | None = None, reminder_grace_ms: int = DEFAULT_GRACE_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.env = dict(os.environ if env is None else env)
        self.home = home
        self.clock = clock or SystemClock()
        self.background = background
        self.settings, problem = self._load_settings()
        self.bridge = Bridge(Snapshot.empty(self.clock.now_ms(), zone(self.settings.timezone)), self)
        available = QSystemTrayIcon.isSystemTrayAvailable() if tray_available is None else tray_available
        self.window_mode = no_tray or not available
        notice = NO_TRAY_NOTICE if not no_tray and not available else None
        if notice:
            print(f"tokenpulse: {notice}", file=sys.stderr)  # said once, at start
        self.popup = SummaryPopup(window_mode=self.window_mode, notice=notice)
        self.bridge.sig_snapshot_changed.connect(self.popup.update_snapshot)
        self.bridge.sig_error_raised.connect(self._on_bridge_error_raised)
        self.popup.sig_charts_requested.connect(self._on_charts_requested)
        self.popup.sig_settings_requested.connect(self._on_settings_requested)
        self.popup.sig_pause_toggled.connect(lambda on: self.bridge.send(Pause() if on else Resume()))
        self.popup.sig_quit_requested.connect(self.quit)
        self.popup.sig_reminder_action.connect(lambda action: self.reminders.latest is not None
                                               and self.reminders.choose(self.reminders.latest, action))
        self.autostart = XdgAutostart(default_command(self._data_dir_arg()), env=self.env, home=home)
        self.reminders = ReminderPresenter(None, self)
        self.tray: Tray | None = None
        if not self.window_mode:
            self.tray = Tray(self.bridge, self.popup, self.clock, lambda: self.autostart.enabled,
                             lambda: self.reminders.latest, self)
            self.tray.sig_charts_requested.connect(self._on_charts_requested)
            self.tray.sig_settings_requested.connect(self._on_settings_requested)
            self.tray.sig_autostart_toggled.connect(self._on_autostart_toggled)
            # the same path as the summary's buttons: an answered reminder leaves the menu
            self.tray.sig_reminder_action.connect(self.reminders.choose)
            self.tray.sig_restore_requested.connect(self._on_restore_requested)
            self.tray.sig_quit_requested.connect(self.quit)
            self.reminders.attach_icon(self.tray.icon)
        self.bridge.sig_reminder_due.connect(self.reminders.show)
        self.bridge.sig_reminder_due.connect(self.popup.show_reminder)
        self.reminders.sig_action.connect(self._on_reminder_action)
        self.reminders.sig_action.connect(lambda _n, action: action != "open_chat" and self.popup.hide_reminder())
        self.bridge.sig_notice_raised.connect(self._on_bridge_notice_raised)
        self.bridge.sig_snapshot_changed.connect(self._on_bridge_snapshot_changed)
        self.worker = IngestWorker(self._factory(), self.settings, self.bridge, clock=self.clock,
                                   reminder_grace_ms=reminder_grace_ms)
        self._dialog: SettingsDialog | None = None
        self.charts: ChartsWindow | None = None
        self._notice_box: QMessageBox | None = None
        self._errors_shown: set[str] = set()
        if problem:
            self._on_bridge_error_raised(problem)

    def _load_settings(self) -> tuple[Settings, str | None]:
        try:
            return settings_io.load(self.paths.settings_file), None
        except settings_io.SettingsError as exc:
            return Settings(), f"settings not read, defaults used: {exc}"

    def _data_dir_arg(self) -> Path | None:
        """Login starts need --data-dir only when this run's folder is not the default one."""
        return None if resolve(env={}).data_dir == self.paths.data_dir else self.paths.data_dir

    def _factory(self) -> WorkspaceFactory:
        from tokenpulse.workspace import Workspace  # built on the worker thread, by the worker

        return lambda s: Workspace(self.paths, env=self.env, home=self.home, clock=self.clock, settings=s)

    def start(self) -> None:
        self.bridge.attach(self.worker)
        if self.tray is not None:
            self.tray.show()
        if not self.background:
            self.show_summary()
        # pyqtgraph and numpy take ~0.6 s to import: pay that once at a quiet moment after start-up, so that
        # "Open charts" answers in ~0.1 s instead of ~0.9 s (BENCHMARKS.md, charts)
        QTimer.singleShot(CHARTS_WARM_UP_MS, self._warm_up_charts)

    @Slot()
    def _warm_up_charts(self) -> None:
        import tokenpulse.gui.charts.window  # noqa: F401

    @Slot()
    def show_summary(self, attempts: int = 10) -> None:
        self.popup.update_snapshot(self.bridge.latest)
        if self.window_mode:
            self.popup.show()
            self.popup.raise_()
            self.popup.activateWindow()
            return
        assert self.tray is not None
        where = self.tray.icon.geometry()
        if (where.isEmpty() or where.topLeft().isNull()) and attempts > 0:
            # just after start the tray host has not embedded the icon yet (it sits at 0,0 until then);
            # ask again shortly, a bounded number of times
            QTimer.singleShot(200, lambda: self.show_summary(attempts - 1))
            return
        self.popup.show_near(where)

    def shutdown(self) -> None:
        self.bridge.stop()
        if self.tray is not None:
            self.tray.hide()
        self.popup.hide()
        if self.charts is not None:
            self.charts.hide()
            self.charts.shutdown()

    @Slot()
    def quit(self) -> None:
        QApplication.quit()

    @Slot(str)
    def _on_bridge_error_raised(self, message: str) -> None:
        print(f"tokenpulse: {message}", file=sys.stderr)
        if message in self._errors_shown:
            return
        self._errors_shown.add(message)
        if self.tray is not None:
            self.tray.icon.showMessage("tokenpulse", message, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    @Slot()
    def _on_charts_requested(self) -> None:
        self.open_charts()

    def open_charts(self, session_id: int | None = None) -> ChartsWindow:
        """The charts window (built on first use, then kept), shown and raised; on one chat if given."""
        if self.charts is None:
            from tokenpulse.gui.charts.window import ChartsWindow

            self.charts = ChartsWindow(self.paths.database, self.settings, self.clock)
        if session_id is not None:
            self.charts.show_session(session_id)
        else:
            self.charts.show()
            self.charts.raise_()
            self.charts.activateWindow()
        return self.charts

    @Slot(object)
    def _on_bridge_snapshot_changed(self, _snap: Snapshot) -> None:
        if self.charts is None:
            return
        if self.charts.isVisible():
            self.charts.refresh()  # throttled inside; the queries run on the window's own reader threads
        else:
            self.charts.drop_cache()  # redrawn from the store when it is shown again

    @Slot(object, str)
    def _on_reminder_action(self, nudge: Nudge, action: str) -> None:
        """What the user chose in a reminder (toast, notification, tray menu): act, and tell the worker."""
        if action == "open_chat" and nudge.session_id is not None:
            self.open_charts(nudge.session_id)
        elif action == "open_budgets":
            self._on_settings_requested()
        self.bridge.send(ReminderAnswer(nudge.key, action, nudge.session_id))

    @Slot(str)
    def _on_bridge_notice_raised(self, message: str) -> None:
        print(f"tokenpulse: {message}", file=sys.stderr)
        if self.tray is not None and self.tray.icon.isVisible():
            self.tray.icon.showMessage("tokenpulse", message, QSystemTrayIcon.MessageIcon.Information, 20_000)
        else:  # non-modal: nothing may block the event loop (or a test) on it
            self._notice_box = QMessageBox(QMessageBox.Icon.Information, "tokenpulse", message)
            self._notice_box.setModal(False)
            self._notice_box.show()

    @Slot(str)
    def _on_restore_requested(self, path: str) -> None:
        label = next((lbl for lbl, p in self.bridge.latest.backups if p == path), Path(path).name)
        answer = QMessageBox.question(
            None, "Restore a backup",  # type: ignore[arg-type]
            f"Make the store hold the backup of {label} again?\n\nThe store as it is now is kept beside it, and"
            " the logs are read again from where that backup stopped, so calls still in the logs come back.")
        if answer == QMessageBox.StandardButton.Yes:
            self.bridge.send(RestoreBackup(path))

    @Slot()
    def _on_settings_requested(self) -> None:
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.raise_()
            return
        sources = registry.all_sources()
        home = self.home or Path.home()
        defaults = {s.name: s.roots(self.env, home) for s in sources}  # what an empty list in settings means
        self._dialog = SettingsDialog(self.settings, sources, defaults, self.autostart.enabled,
                                      zone(None).key, database=self.paths.database, home=home)
        self._dialog.sig_settings_saved.connect(self.save_settings)
        self._dialog.show()

    @Slot(object)
    def save_settings(self, new: Settings) -> None:
        """Write the TOML file, follow the login checkbox, and hand the worker its new settings."""
        try:
            settings_io.save(new, self.paths.settings_file)
            if new.start_at_login != self.autostart.enabled:
                self.autostart.set(new.start_at_login)
        except OSError as exc:
            self._on_bridge_error_raised(f"settings not saved: {exc}")
            return
        self.settings = new
        self.bridge.send(ApplySettings(new))
        if self.charts is not None:
            self.charts.apply_settings(new)

    @Slot(bool)
    def _on_autostart_toggled(self, on: bool) -> None:
        self.save_settings(settings_io.with_changes(self.settings, start_at_login=on))


def run_app(paths: AppPaths, no_tray: bool = False, background: bool = False) -> int:
    """The tray app's entry (called by the CLI with no command); returns the exit code."""
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tokenpulse"])
    assert isinstance(app, QApplication)
    app.setApplicationName("tokenpulse")
    app.setDesktopFileName(DESKTOP_ID)  # lets shells match our windows to the launcher
    app.setQuitOnLastWindowClosed(False)  # the tray icon is not a window: closing the popup must not quit
    app.setWindowIcon(app_icon())
    instance = SingleInstance(paths)
    if not instance.acquire():
        shown = instance.ask_running_to_show()
        print("tokenpulse is already running" + ("; it shows its summary now" if shown else
                                                 ", but did not answer"), file=sys.stderr)
        return 0
    controller = TokenpulseApp(paths, no_tray=no_tray, background=background)
    instance.sig_show_requested.connect(controller.show_summary)
    app.aboutToQuit.connect(controller.shutdown)
    waker = SignalWaker(app.quit)
    try:
        controller.start()
        return int(app.exec())
    finally:
        waker.close()
        instance.release()
