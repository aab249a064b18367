"""The tray icon: picture and tooltip from the latest Snapshot, a menu rebuilt from it each time it opens.

On a StatusNotifier host (KDE, GNOME's AppIndicator extension, every Wayland panel) Qt exports this menu over
D-Bus (com.canonical.dbusmenu). GNOME's extension opens the menu on either click, so the menu's first entry is
"Show summary" (bold: the default action) and everything the summary offers can be reached from the menu.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from tokenpulse.clock import Clock
from tokenpulse.gui.bridge import Bridge
from tokenpulse.gui.icons import icon_style, tray_icon
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.statusline_menu import add_statusline_menu
from tokenpulse.nudges.model import Nudge
from tokenpulse.presenters import snooze, text
from tokenpulse.presenters.icon_state import IconState, icon_state
from tokenpulse.service.messages import Pause, Resume, Snooze
from tokenpulse.snapshot import Snapshot


class Tray(QObject):
    """Owns the QSystemTrayIcon and its menu; every action only emits a signal or asks the bridge."""

    sig_charts_requested = Signal()
    sig_settings_requested = Signal()
    sig_autostart_toggled = Signal(bool)
    sig_reminder_action = Signal(object, str)  # (Nudge, action id)
    sig_restore_requested = Signal(str)  # a backup's path
    sig_statusline_requested = Signal(str)  # "install" / "uninstall" Claude Code's status line (issue 11)
    sig_quit_requested = Signal()
    sig_log_folder_requested = Signal()
    sig_no_logs_help_requested = Signal()

    def __init__(self, bridge: Bridge, popup: SummaryPopup, clock: Clock, autostart_enabled: Callable[[], bool],
                 latest_reminder: Callable[[], Nudge | None] = lambda: None, parent: QObject | None = None) -> None:
        """`autostart_enabled` says whether the login entry exists now, `latest_reminder` which reminder is still
        unanswered; both are asked each time the menu opens."""
        super().__init__(parent)
        self._bridge = bridge
        self._popup = popup
        self._clock = clock
        self._autostart_enabled = autostart_enabled
        self._latest_reminder = latest_reminder
        self._icon_state: IconState | None = None
        self._icon_style = icon_style()
        self.no_logs = False  # the first import found no agent logs: the menu says where it looked
        self.statusline_installed: Callable[[], bool | None] | None = None  # set by the app: the menu offers it
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self._on_menu_about_to_show)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_icon_activated)
        bridge.sig_snapshot_changed.connect(self._on_bridge_snapshot_changed)
        self._on_bridge_snapshot_changed(bridge.latest)
        self.rebuild_menu(bridge.latest)  # some tray hosts read the menu before it is ever shown
        # a bound slot, not a lambda: Qt drops the connection when this object goes
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    @Slot(object)
    def _on_bridge_snapshot_changed(self, snap: Snapshot) -> None:
        state = icon_state(snap)
        if state != self._icon_state:  # redraw only when the picture changes, not on every call
            self._icon_state = state
            self.icon.setIcon(tray_icon(state, self._icon_style))
        self.icon.setToolTip(tooltip(snap, self.no_logs))
        if self.menu.isVisible():
            self.rebuild_menu(snap)

    @Slot()
    def _on_menu_about_to_show(self) -> None:
        self.rebuild_menu(self._bridge.latest)

    def rebuild_menu(self, snap: Snapshot) -> None:
        menu = self.menu
        menu.clear()
        show = menu.addAction("Show summary", self._show_popup)
        menu.setDefaultAction(show)  # drawn bold; what a click on the icon does
        if self.no_logs:
            menu.addAction("No agent logs found: where tokenpulse looked…", self.sig_no_logs_help_requested.emit)
        menu.addSeparator()
        for line in status_lines(snap):  # enabled, so they read as text, not greyed out; a click opens the summary
            menu.addAction(line, self._show_popup)
        menu.addSeparator()
        menu.addAction("Open charts…", self.sig_charts_requested.emit)
        menu.addSeparator()
        self._reminder_menu(menu)
        self._snooze_menu(menu, snap)
        pause = menu.addAction("Pause watching")
        pause.setCheckable(True)
        pause.setChecked(snap.paused)
        pause.toggled.connect(self._on_pause_toggled)
        menu.addAction("Settings…", self.sig_settings_requested.emit)
        self._restore_menu(menu, snap)
        if self.statusline_installed is not None:
            add_statusline_menu(menu, self.statusline_installed(), self.sig_statusline_requested.emit)
        login = menu.addAction("Start at login")
        login.setCheckable(True)
        login.setChecked(self._autostart_enabled())
        login.toggled.connect(self.sig_autostart_toggled.emit)
        menu.addAction("Open log folder", self.sig_log_folder_requested.emit)
        menu.addSeparator()
        menu.addAction("Quit tokenpulse", self.sig_quit_requested.emit)

    def _reminder_menu(self, menu: QMenu) -> None:
        nudge = self._latest_reminder()
        if nudge is None:
            return
        sub = menu.addMenu(f"Reminder: {nudge.title}")
        for action in nudge.actions:
            sub.addAction(action.label).triggered.connect(
                lambda _=False, a=action.id, n=nudge: self.sig_reminder_action.emit(n, a))

    def _restore_menu(self, menu: QMenu, snap: Snapshot) -> None:
        sub = menu.addMenu("Restore a backup")
        if not snap.backups:
            sub.addAction("No backups yet (one is made each day)").setEnabled(False)
        for label, path in snap.backups:
            sub.addAction(f"Backup of {label}…").triggered.connect(
                lambda _=False, p=path: self.sig_restore_requested.emit(p))

    def _snooze_menu(self, menu: QMenu, snap: Snapshot) -> None:
        sub = menu.addMenu("Snooze reminders")
        tz = ZoneInfo(snap.tz)
        if snap.snoozed and snap.snoozed_until_ms is not None:
            sub.addAction(f"Snoozed until {text.clock_time(snap.snoozed_until_ms, tz)}").setEnabled(False)
            sub.addAction("Resume reminders now", lambda: self._bridge.send(Snooze(None)))
            sub.addSeparator()
        for choice, label in snooze.CHOICES:
            action: QAction = sub.addAction(label)
            action.triggered.connect(lambda _=False, c=choice: self._on_snooze_chosen(c, tz))

    def _on_snooze_chosen(self, choice: str, tz: ZoneInfo) -> None:
        self._bridge.send(Snooze(snooze.snooze_until(choice, self._clock.now_ms(), tz)))

    @Slot(bool)
    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self._bridge.send(Pause())
        else:
            self._bridge.send(Resume())

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # a left click
            if self._popup.isVisible():
                self._popup.hide()
            else:
                self._show_popup()

    @Slot(object)
    def _on_color_scheme_changed(self, _scheme: object) -> None:
        self.refresh()  # a symbolic icon follows the panel's light or dark scheme

    def refresh(self) -> None:
        """Redraw tooltip and menu from the latest Snapshot (after `no_logs` or the panel's colours changed)."""
        self._icon_state = None
        self._icon_style = icon_style()
        self._on_bridge_snapshot_changed(self._bridge.latest)
        self.rebuild_menu(self._bridge.latest)

    def _show_popup(self) -> None:
        self._popup.update_snapshot(self._bridge.latest)
        self._popup.show_near(self.icon.geometry())


def xembed_tray_in_use() -> bool:
    """Whether Qt put the icon in an old-style X tray: it lives in a hidden QSystemTrayIconSys window there.
    On a StatusNotifier host (KDE, GNOME's extension, Wayland) there is no such window, no geometry to place
    the summary by, and no balloon: `showMessage` would go to the notification server instead."""
    return any(w.metaObject().className() == "QSystemTrayIconSys" for w in QApplication.topLevelWidgets())


def status_lines(snap: Snapshot) -> list[str]:
    if text.first_import_running(snap):
        return [f"Today: {text.IMPORTING}", *text.state_lines(snap)]
    return text.status_lines(snap)


def tooltip(snap: Snapshot, no_logs: bool = False) -> str:
    if no_logs:
        return f"{text.APP} — no agent logs found (see the menu)"
    if text.first_import_running(snap):
        return "\n".join([f"{text.APP} — {text.IMPORTING}", *text.state_lines(snap)])
    return text.tooltip(snap)
