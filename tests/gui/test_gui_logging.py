"""Qt's own messages go into tokenpulse's log; the known-harmless tray warning is not a warning there."""

from __future__ import annotations

import logging

from PySide6.QtCore import qInstallMessageHandler, qWarning

from tokenpulse.gui import qt_messages


def test_qt_messages_are_logged(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    previous = qt_messages.install()
    try:
        with caplog.at_level(logging.DEBUG, logger="tokenpulse.qt"):
            qWarning("the xcb plugin said something")
            qWarning("QObject::connect: No such signal QPlatformNativeInterface::systemTrayWindowChanged(QScreen*)")
    finally:
        qInstallMessageHandler(previous)  # type: ignore[arg-type]
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "tokenpulse.qt"]
    assert ("WARNING", "[default] the xcb plugin said something") in records
    assert any(level == "DEBUG" and "systemTrayWindowChanged" in msg for level, msg in records)
