"""Starting the tray app: the QApplication and who it is to the desktop, one instance per data folder (a second
start asks the first to show itself), the controller (`gui.app.TokenpulseApp`) and a clean end on a signal."""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication

from tokenpulse.config.paths import AppPaths
from tokenpulse.gui import app as controller_module
from tokenpulse.gui import qt_messages
from tokenpulse.gui.icons import app_icon
from tokenpulse.gui.instance import SignalWaker, SingleInstance
from tokenpulse.platform.app_lock import AppLockError
from tokenpulse.platform.autostart import DESKTOP_ID

log = logging.getLogger(__name__)

EXIT_CANNOT_START = 3  # as the CLI's store errors: the data folder cannot be used


def identify(app: QApplication) -> None:
    """Who we are to the desktop: the name a StatusNotifier host shows as the item's Id, the launcher shells
    match our windows to, the icon; and a tray app's rule that closing its last window does not quit it."""
    app.setApplicationName("tokenpulse")
    app.setDesktopFileName(DESKTOP_ID)
    app.setQuitOnLastWindowClosed(False)  # the tray icon is not a window: closing the popup must not quit
    app.setWindowIcon(app_icon())


def run_app(paths: AppPaths, no_tray: bool = False, background: bool = False) -> int:
    """The tray app's entry (called by the CLI with no command); returns the exit code."""
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tokenpulse"])
    assert isinstance(app, QApplication)
    identify(app)
    qt_messages.install()
    instance = SingleInstance(paths)
    try:
        acquired = instance.acquire()
    except AppLockError as exc:  # a read-only or missing data folder: not "already running"
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    if not acquired:
        shown = instance.ask_running_to_show()
        said = "tokenpulse is already running" + ("; it shows its summary now" if shown else ", but did not answer")
        log.info("%s", said)
        print(said, file=sys.stderr)  # to whoever started this second copy from a terminal
        return 0
    controller = controller_module.TokenpulseApp(paths, no_tray=no_tray, background=background)
    instance.sig_show_requested.connect(controller.show_summary)
    app.aboutToQuit.connect(controller.shutdown)
    waker = SignalWaker(app.quit)
    try:
        controller.start()
        return int(app.exec())
    finally:
        waker.close()
        instance.release()
