"""How to start *this* installation of tokenpulse again (the menu entry and the login entry need it), whether
it is a bundle, a venv, pipx, a pip --user install or a source checkout, and whether or not it is on PATH."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path


class LauncherError(RuntimeError):
    """No way to start this installation was found."""


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def own_launcher(*, argv0: str | None = None, executable: str | None = None, frozen: bool | None = None,
                 which: Callable[[str], str | None] = shutil.which) -> list[str]:
    """The command that starts *this* installation, found in this order:

    a bundle's own executable; the `tokenpulse` script this process was started as; the script beside this
    Python (a venv's or pipx's bin folder, not resolved through the python symlink); the scripts folder of
    this Python's install scheme (pip --user); `tokenpulse` on PATH; else this Python with `-m tokenpulse`.
    """
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = sys.executable if executable is None else executable
    if frozen:
        return [str(Path(executable).absolute())]
    argv0 = (sys.argv[0] if sys.argv else "") if argv0 is None else argv0
    candidates = []
    if argv0 and Path(argv0).name == "tokenpulse":
        candidates.append(Path(argv0))
    if executable:
        candidates.append(Path(executable).parent / "tokenpulse")
    for scheme in (None, f"{os.name}_user"):
        with contextlib.suppress(KeyError, ValueError):
            folder = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
            if folder:
                candidates.append(Path(folder) / "tokenpulse")
    for candidate in candidates:
        if _runnable(candidate):
            return [str(candidate.absolute())]
    found = which("tokenpulse")
    if found:
        return [str(Path(found).absolute())]
    if not executable:
        raise LauncherError("cannot tell how this tokenpulse was started; pass the launcher's path")
    return [str(Path(executable).absolute()), "-m", "tokenpulse"]
