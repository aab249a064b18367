"""The tray app's controller: worker + bridge, tray or window, and what the menu, summary, reminders and settings
ask of it (`gui.launch` starts it, one instance per data folder)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from tokenpulse import app_log
from tokenpulse.clock import Clock, SystemClock, zone
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import AppPaths, resolve
from tokenpulse.config.settings import Settings
from tokenpulse.gui.bridge import Bridge
from tokenpulse.gui.dialogs import confirm_restore, notice_box
from tokenpulse.gui.first_run_help import FirstRunHelp
from tokenpulse.gui.no_tray import no_tray_notice
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.reminders import ReminderPresenter
from tokenpulse.gui.settings_dialog import SettingsDialog
from tokenpulse.gui.statusline_menu import change_statusline, statusline_state
from tokenpulse.gui.tray import Tray, xembed_tray_in_use
from tokenpulse.nudges.model import Nudge
from tokenpulse.nudges.policy import DEFAULT_GRACE_MS
from tokenpulse.platform.autostart import XdgAutostart, default_command
from tokenpulse.presenters.first_run import Looked, looked_in
from tokenpulse.presenters.plain import no_markup
from tokenpulse.service.messages import ApplySettings, Pause, ReminderAnswer, ReportSources, RestoreBackup, Resume
from tokenpulse.service.worker import IngestWorker, WorkspaceFactory
from tokenpulse.snapshot import Snapshot
from tokenpulse.sources import registry

if TYPE_CHECKING:
    from tokenpulse.gui.charts.window import ChartsWindow

log = logging.getLogger(__name__)

CHARTS_WARM_UP_MS = 3_000


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
        self.settings, self.settings_problem = self._load_settings()
        self.bridge = Bridge(Snapshot.empty(self.clock.now_ms(), zone(self.settings.timezone)), self)
        available = QSystemTrayIcon.isSystemTrayAvailable() if tray_available is None else tray_available
        self.window_mode = no_tray or not available
        notice = no_tray_notice(paths.data_dir) if not no_tray and not available else None
        if notice:
            log.warning("%s", notice)
        self.popup = SummaryPopup(window_mode=self.window_mode, notice=notice)
        if not self.window_mode and QGuiApplication.platformName().startswith("wayland"):
            # Wayland shows a popup only as the child of a surface the user just clicked, and a tray item is
            # not one of ours: the summary becomes a small normal window there (closing it only hides it)
            self.popup.setWindowFlags(Qt.WindowType.Window)
            self.popup.setWindowTitle("tokenpulse")
        self.popup.device_switch.set_every(self._every_machine())
        self.popup.sig_devices_chosen.connect(self._on_devices_chosen)
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
            self.tray.statusline_installed = self.statusline_installed  # plan limits (issue 11)
            self.tray.sig_statusline_requested.connect(self.set_statusline)
            self.tray.sig_quit_requested.connect(self.quit)
            self.tray.sig_log_folder_requested.connect(self.open_log_folder)
            self.reminders.attach_icon(self.tray.icon)
        self.bridge.sig_reminder_due.connect(self.reminders.show)
        self.bridge.sig_reminder_due.connect(self.popup.show_reminder)
        self.reminders.sig_action.connect(self._on_reminder_action)
        self.reminders.sig_summary_requested.connect(self.show_summary)
        self.reminders.sig_action.connect(lambda _n, action: action != "open_chat" and self.popup.hide_reminder())
        self.bridge.sig_notice_raised.connect(self._on_bridge_notice_raised)
        self.first_run = FirstRunHelp(self.tray, background, self._looked_in)
        self.first_run.sig_log_folders_requested.connect(self._on_settings_requested)
        self.bridge.sig_progress_changed.connect(self.first_run.progress_changed)
        self.bridge.sig_snapshot_changed.connect(self._on_bridge_snapshot_changed)
        self.worker = IngestWorker(self._factory(), self.settings, self.bridge, clock=self.clock,
                                   reminder_grace_ms=reminder_grace_ms)
        self._dialog: SettingsDialog | None = None
        self.charts: ChartsWindow | None = None
        self._notice_box: QMessageBox | None = None
        self._errors_shown: set[str] = set()
        if self.settings_problem:  # logged and said at once; shown on screen once there is something to show it
            log.warning("%s", " ".join(self.settings_problem.split()))  # one line, even for a TOML error's
            if not app_log.reaches_stderr():  # a terminal that the log does not already write to
                print(f"tokenpulse: {self.settings_problem}", file=sys.stderr)

    def _looked_in(self) -> tuple[list[Looked], Path]:
        """Where the logs are looked for now, as the first-run window names them."""
        home = self.home or Path.home()
        return looked_in(self.settings, self.env, home), home

    @Slot()
    def open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from tokenpulse.app_log import log_dir

        folder = log_dir(self.paths.data_dir)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._on_bridge_notice_raised(f"The log folder is {folder}")

    def _load_settings(self) -> tuple[Settings, str | None]:
        """The settings file, or when it is broken the last good settings (else the defaults), and why."""
        return settings_io.load_or_last_good(self.paths.settings_file)

    @Slot()
    def show_settings_problem(self, attempts: int = 25) -> None:
        """A settings file refused at start: a warning notification (else a balloon by the tray icon), or a small
        window where neither can say it."""
        if not self.settings_problem:
            return
        text = no_markup(self.settings_problem)  # it quotes values from the file: never markup
        if self.tray is None:
            self._show_settings_box(text)
            return
        if self.tray.icon.geometry().isEmpty() and attempts > 0 and xembed_tray_in_use():
            # a balloon needs the icon embedded in the tray host, which takes a moment after start; a StatusNotifier
            # item never has a geometry, and its notification needs none
            QTimer.singleShot(200, lambda: self.show_settings_problem(attempts - 1))
            return
        self._errors_shown.add(self.settings_problem)
        self.reminders.inform("tokenpulse settings", text, warning=True,
                              otherwise=lambda: self._show_settings_box(text))

    def _show_settings_box(self, text: str) -> None:
        self._notice_box = notice_box("tokenpulse settings", text, warning=True)

    def _data_dir_arg(self) -> Path | None:
        """Login starts need --data-dir only when this run's folder is not the default one."""
        return None if resolve(env={}).data_dir == self.paths.data_dir else self.paths.data_dir

    def _factory(self) -> WorkspaceFactory:
        from tokenpulse.workspace import Workspace  # built on the worker thread, by the worker

        return lambda s: Workspace(self.paths, env=self.env, home=self.home, clock=self.clock, settings=s)

    def start(self) -> None:
        from tokenpulse import __version__

        log.info("tokenpulse %s starting: data in %s, Qt platform %s, %s", __version__, self.paths.data_dir,
                 QGuiApplication.platformName(), "a window (no tray)" if self.window_mode else "a tray icon")
        self.bridge.attach(self.worker)
        if self.tray is not None:
            self.tray.show()
        if not self.background:
            self.show_summary()
        self.show_settings_problem()
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
        if (where.isEmpty() or where.topLeft().isNull()) and attempts > 0 and xembed_tray_in_use():
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
        if self.first_run.window is not None:
            self.first_run.window.hide()
        if self.charts is not None:
            self.charts.hide()
            self.charts.shutdown()

    @Slot()
    def quit(self) -> None:
        QApplication.quit()

    @Slot(str)
    def _on_bridge_error_raised(self, message: str) -> None:
        """The worker's error, already in the log (the worker logs each failure once): shown, once."""
        if message in self._errors_shown:
            return
        self._errors_shown.add(message)
        self.reminders.inform("tokenpulse", message, warning=True)

    def _say_error(self, message: str) -> None:
        """An error of the app's own (no worker logged it): logged, then shown like the worker's."""
        log.warning("%s", message)
        self._on_bridge_error_raised(message)

    @Slot()
    def _on_charts_requested(self) -> None:
        self.open_charts()

    def open_charts(self, session_id: int | None = None) -> ChartsWindow:
        """The charts window (built on first use, then kept), shown and raised; on one chat if given."""
        if self.charts is None:
            from tokenpulse.gui.charts.window import ChartsWindow

            self.charts = ChartsWindow(self.paths.database, self.settings, self.clock)
            self.charts.sig_devices_chosen.connect(self._on_devices_chosen)
            self._follow_devices(self.bridge.latest)
        if session_id is not None:
            self.charts.show_session(session_id)
        else:
            self.charts.show()
            self.charts.raise_()
            self.charts.activateWindow()
        return self.charts

    def _every_machine(self) -> bool:
        """What the machines switches show: the remembered choice (all once a sync folder is set)."""
        from tokenpulse.service.sync import choice

        return choice(self.settings) != ("this",)

    def _follow_devices(self, snap: Snapshot) -> None:
        if self.charts is not None:
            self.charts.set_ledgers(snap.everywhere.ledgers if snap.everywhere else None, self._every_machine())

    @Slot(bool)
    def _on_devices_chosen(self, every: bool) -> None:
        """A machines switch was flipped: the other one follows, and the choice is remembered (the settings file
        only: the worker keeps both pictures, so nothing has to be re-read)."""
        self.popup.device_switch.set_every(every)
        devices = ("all",) if every else ("this",)
        sync = settings_io.with_changes(self.settings.sync, devices=devices)
        new = settings_io.with_changes(self.settings, sync=sync)
        try:
            settings_io.save(new, self.paths.settings_file)
        except OSError as exc:
            self._say_error(f"settings not saved: {exc}")
        self.settings = new
        self._follow_devices(self.bridge.latest)

    @Slot(object)
    def _on_bridge_snapshot_changed(self, _snap: Snapshot) -> None:
        self._follow_devices(_snap)
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
        log.info("%s", message)
        self.reminders.inform("tokenpulse", message, otherwise=lambda: self._show_notice_box(message))

    def _show_notice_box(self, message: str) -> None:
        self._notice_box = notice_box("tokenpulse", message)

    @Slot(str)
    def _on_restore_requested(self, path: str) -> None:
        label = next((lbl for lbl, p in self.bridge.latest.backups if p == path), Path(path).name)
        if confirm_restore(label):
            self.bridge.send(RestoreBackup(path))

    @Slot()
    def _on_settings_requested(self) -> None:
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.raise_()
            return
        sources = registry.all_sources()
        home = self.home or Path.home()
        defaults = {s.name: s.roots(self.env, home) for s in sources}  # what an empty list in settings means
        from tokenpulse.gui.sync_page import SyncPage
        from tokenpulse.store.sync.identity import host_name

        snap = self.bridge.latest
        devices = snap.everywhere.devices if snap.everywhere else ()
        self._dialog = SettingsDialog(self.settings, sources, defaults, self.autostart.enabled,
                                      zone(None).key, SyncPage(self.settings.sync, devices, host_name(), snap.now_ms),
                                      home=home, statusline_installed=self.statusline_installed(),
                                      database=self.paths.database)
        self._dialog.sig_settings_saved.connect(self.save_settings)
        self._dialog.limits.sig_statusline_requested.connect(self.set_statusline)
        page = self._dialog.sources_page  # Settings › Sources: its facts come from the worker
        self.bridge.sig_sources_reported.connect(page.show_reports)
        page.sig_refresh_requested.connect(lambda: self.bridge.send(ReportSources()))
        self.bridge.send(ReportSources())
        self._dialog.show()

    @Slot(object)
    def save_settings(self, new: Settings) -> None:
        """Write the TOML file, follow the login checkbox, and hand the worker its new settings."""
        try:
            settings_io.save(new, self.paths.settings_file)
            if new.start_at_login != self.autostart.enabled:
                self.autostart.set(new.start_at_login)
        except (OSError, settings_io.SettingsError) as exc:
            self._say_error(f"settings not saved: {exc}")
            return
        self.settings = new
        self.popup.device_switch.set_every(self._every_machine())  # a sync folder set: all machines by default
        self.bridge.send(ApplySettings(new))
        if self.charts is not None:
            self.charts.apply_settings(new)

    def statusline_installed(self) -> bool | None:
        """Whether Claude Code's status line runs tokenpulse now (None: its settings cannot be read)."""
        return statusline_state(self.env, self.home or Path.home())

    @Slot(str)
    def set_statusline(self, action: str) -> None:
        """Add tokenpulse to Claude Code's status line, or take it out again (issue 11), then say what happened."""
        from tokenpulse.platform.claude_statusline import StatusLineError

        try:
            message = change_statusline(action, self.env, self.home or Path.home(), self._data_dir_arg())
        except StatusLineError as exc:
            self._say_error(str(exc))
            return
        self._on_bridge_notice_raised(message)
        if self._dialog is not None:
            self._dialog.limits.set_statusline_installed(self.statusline_installed())

    @Slot(bool)
    def _on_autostart_toggled(self, on: bool) -> None:
        self.save_settings(settings_io.with_changes(self.settings, start_at_login=on))
