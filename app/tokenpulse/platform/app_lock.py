"""One tray app per data folder, and the one place that decides whether it is running.

The app holds an advisory `flock` on `app.lock` for its whole life. The kernel drops it when the process
ends, however it ends (a crash, kill -9, a reboot), so a lock file left behind never counts, whatever
process now has the id written in it: "the app is running" means "some process holds the lock", asked the
same way by the CLI (`app_running`: `status`, `forget`, reports) and by a second app (`AppLock.acquire`).

Standard library only: `tokenpulse status` imports this module and answers in milliseconds.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from tokenpulse.platform.flock import lock_within


class AppLockError(OSError):
    """The app cannot take its lock because the data folder cannot be written; the message says so plainly."""


class AppLock:
    """The tray app's single-instance lock: an exclusive `flock` on `app.lock`, held for the app's whole life.

    The kernel drops the lock when the process ends, however it ends (a crash, kill -9, a reboot), so a lock
    file left behind never counts: "the app is running" means "some process holds the lock", decided by
    `app_running` for the CLI and by `acquire` for a second app, the same way. The file's first line names
    the holder's process id, for people and for `app_pid`; it is never what decides.

    The file is never deleted while in use (another process might have it open and lock a file that no longer
    has a name); it is emptied when the app quits.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: float = 0.2) -> bool:
        """True when this process now holds the lock; False when another app holds it past `wait` seconds.

        AppLockError (with a plain message) when the data folder is missing and cannot be made, or cannot be
        written: that is not "another app is running", and the caller must say what it is.
        """
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise AppLockError(f"cannot create the data folder {folder}: {exc.strerror or exc}") from exc
        if not os.access(folder, os.W_OK | os.X_OK):
            raise AppLockError(_read_only(folder))
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise AppLockError(_read_only(folder) if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
                               else f"cannot open {self.path}: {exc.strerror or exc}") from exc
        if not lock_within(fd, wait, poll_s=0.02):  # a CLI asking `app_running` holds it for microseconds
            os.close(fd)
            return False
        os.fchmod(fd, 0o600)  # a file left by an older version may have had wider modes
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\ntokenpulse\n".encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)  # no process id left behind to mislead a person reading it
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def app_pid(instance_lock: Path) -> int | None:
    """The process id the running app wrote in its lock file (for people; `app_running` decides)."""
    try:
        first = instance_lock.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def app_running(instance_lock: Path) -> bool:
    """Whether a tray app other than this process holds its lock (a file left by a crash or a reboot does
    not count, whatever process now has the id it names)."""
    try:
        fd = os.open(instance_lock, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return False
    except OSError:  # cannot even open it (someone else's file, a symlink): nothing of ours holds it
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return app_pid(instance_lock) != os.getpid()  # held: by another process unless it names us
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _read_only(folder: Path) -> str:
    return (f"the data folder {folder} is not writable (it may be on a read-only disk); tokenpulse needs to"
            " write its store there: make it writable, or choose another folder with TOKENPULSE_HOME or"
            " --data-dir")
