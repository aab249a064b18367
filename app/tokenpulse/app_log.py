"""tokenpulse's own log: a rotating file in the data folder, set up once, with uncaught exceptions routed to it.

A tray app started at login has no terminal, so what goes wrong must land in a file a person can find
(the tray menu's "Open log folder"). Warnings and errors by default; `--verbose` adds what the app does.
The log never holds prompt or response text: nothing here logs a log line's content, and each record is
capped so that an exception message quoting a long input cannot carry it whole (tests/test_app_log.py
scans hostile logs with a marker in every text field and looks for it in the file). Qt-free.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
import threading
from io import TextIOWrapper
from pathlib import Path
from types import TracebackType
from typing import Any

LOG_FILE = "tokenpulse.log"
MAX_BYTES = 512 * 1024
BACKUPS = 3  # tokenpulse.log.1 … .3: at most 2 MB in all
MAX_RECORD_CHARS = 2_000
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OWN = "tokenpulse"  # our loggers' namespace: --verbose opens it, libraries stay at warnings


def log_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


class _Capped(logging.Filter):
    """Bounds each record: a message or traceback longer than MAX_RECORD_CHARS is cut, never written whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > MAX_RECORD_CHARS:
            record.msg, record.args = message[:MAX_RECORD_CHARS] + " …(cut)", None
        return True


class _CappedFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # (type, value, traceback), as logging passes it
        text = super().formatException(ei)
        lines = [line if len(line) <= 400 else line[:400] + " …(cut)" for line in text.splitlines()]
        return "\n".join(lines[-60:])


def setup(data_dir: Path | None, *, verbose: bool = False, to_stderr: bool | None = None) -> Path | None:
    """Route logging to `data_dir`/logs/tokenpulse.log (and to stderr on a terminal); returns the file, or None
    when it cannot be written (then stderr only). Safe to call again: the handlers are replaced."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_tokenpulse", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.WARNING)
    logging.getLogger(OWN).setLevel(logging.DEBUG if verbose else logging.WARNING)
    formatter = _CappedFormatter(FORMAT)
    path: Path | None = None
    if data_dir is not None:
        path = _file_handler(data_dir, formatter)
    if to_stderr is None:
        to_stderr = verbose or path is None or _is_terminal()
    if to_stderr:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter)
        _own(handler)
        root.addHandler(handler)
    _route_uncaught()
    return path


def _file_handler(data_dir: Path, formatter: logging.Formatter) -> Path | None:
    folder = log_dir(data_dir)
    path = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # the user's own, like the store
        os.close(fd)
        handler = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        print(f"tokenpulse: no log file ({exc}); logging to stderr", file=sys.stderr)
        return None
    handler.setFormatter(formatter)
    _own(handler)
    logging.getLogger().addHandler(handler)
    return path


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotation opens a new file: keep it 0600 as well."""

    def _open(self) -> TextIOWrapper:
        old = os.umask(0o077)
        try:
            return super()._open()
        finally:
            os.umask(old)


def _own(handler: logging.Handler) -> None:
    handler.addFilter(_Capped())
    handler._tokenpulse = True  # type: ignore[attr-defined]  # ours to replace on a second setup


def _is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _route_uncaught() -> None:
    """Uncaught exceptions (the main thread, other threads, Qt slots: PySide prints through sys.excepthook)
    go to the log instead of only to a terminal nobody reads."""
    crash = logging.getLogger(f"{OWN}.crash")

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        crash.critical("uncaught %s", kind.__name__, exc_info=(kind, value, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        crash.critical("uncaught %s in thread %s", args.exc_type.__name__, name,
                       exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback))

    sys.excepthook = hook
    threading.excepthook = thread_hook


def reaches_stderr() -> bool:
    """Whether our log already writes to stderr (a terminal, --verbose): then printing the same line there too
    would say it twice."""
    return any(getattr(h, "_tokenpulse", False) and type(h) is logging.StreamHandler and h.stream is sys.stderr
               for h in logging.getLogger().handlers)


def to_file_only(level: str, message: str) -> None:
    """Write one record to the log file but not to stderr (the caller has already printed it there)."""
    record = logging.getLogger(OWN).makeRecord(OWN, logging.getLevelName(level), __file__, 0, message, (), None)
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_tokenpulse", False) and isinstance(handler, logging.FileHandler):
            handler.handle(record)


def shutdown() -> None:
    """Flush and close our handlers (tests, and the app's exit)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_tokenpulse", False)]:
        with contextlib.suppress(OSError, ValueError):
            handler.flush()
        root.removeHandler(handler)
        handler.close()
