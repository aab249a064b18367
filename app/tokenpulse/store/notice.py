"""The notice the store layer leaves for the user (a damaged store rebuilt): written once by recovery, printed
once by the CLI or shown once by the app. Kept apart from `store.recovery` so that reading it imports nothing
else: every command looks for it."""

from __future__ import annotations

import os
from pathlib import Path

NOTICE_NAME = "recovery-notice.txt"


def write_notice(data_dir: Path, lines: list[str]) -> None:
    """Append lines to the notice the CLI prints and the app shows once (0600)."""
    path = data_dir / NOTICE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode("utf-8", "replace"))
        finally:
            os.close(fd)
    except OSError:
        pass  # the store was still recovered; the notice is a courtesy


def take_notice(data_dir: Path) -> list[str]:
    """The pending notice lines (once: the file is removed), or [] when there is none."""
    path = data_dir / NOTICE_NAME
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        path.unlink()
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()]
