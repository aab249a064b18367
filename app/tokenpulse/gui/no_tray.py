"""Without a system tray the summary is a window; this is what that window says, and, the first time, how to get
a tray on GNOME (said once per data folder, remembered by a mark file in it)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

NO_TRAY_NOTICE = "No system tray was found, so tokenpulse shows its summary in this window. Closing it quits."
NO_TRAY_HINT = ("On GNOME, the tray icon needs the \"AppIndicator and KStatusNotifierItem Support\" extension"
                " (Debian/Ubuntu: gnome-shell-extension-appindicator; Fedora: gnome-shell-extension-appindicator),"
                " then log out and in again.")
NO_TRAY_HINT_MARK = "no-tray-hint-shown"  # in the data folder: the GNOME hint is given once


def no_tray_notice(data_dir: Path) -> str:
    """The window's notice; the first time for this data folder, with the GNOME hint."""
    mark = data_dir / NO_TRAY_HINT_MARK
    if mark.exists():
        return NO_TRAY_NOTICE
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        mark.touch(mode=0o600)  # the user's own, like everything in the data folder
    except OSError as exc:
        log.warning("cannot remember the tray hint: %s", exc)
    return f"{NO_TRAY_NOTICE} {NO_TRAY_HINT}"
