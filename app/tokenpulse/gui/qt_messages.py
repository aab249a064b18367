"""Qt's own messages (warnings from the platform plugin, the tray, fonts) routed into tokenpulse's log file."""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("tokenpulse.qt")

LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
          QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
          QtMsgType.QtFatalMsg: logging.CRITICAL}
# Said by every Qt 6 app with a tray icon on X11 and harmless (docs/desktop-testing.md §1): not a warning.
HARMLESS = ("QPlatformNativeInterface::systemTrayWindowChanged",)


def _on_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = LEVELS.get(kind, logging.WARNING)
    if level == logging.WARNING and any(h in message for h in HARMLESS):
        level = logging.DEBUG
    category = context.category or "qt"
    log.log(level, "[%s] %s", category, message)


def install() -> object:
    """From now on Qt writes through Python's logging (so to the log file, and stderr on a terminal).
    Returns the handler it replaced (tests put it back)."""
    return qInstallMessageHandler(_on_qt_message)
