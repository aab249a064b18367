"""The app launcher for pip/pipx installs: write or remove the user's menu entry and hicolor icons.

A wheel cannot put files in `~/.local/share/applications` (its data files land under the venv prefix, which
no desktop reads), so `tokenpulse desktop install` copies the shipped entry there with `Exec=` set to the
absolute path of this installation's own launcher, and the icons into the user's hicolor theme. The launcher
is found from the running program, not from PATH: a venv's or pipx's `bin/tokenpulse` is often not on PATH.
The .deb ships the same entry under /usr/share and does not need this. Qt-free.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from tokenpulse.platform.autostart import quote_arg
from tokenpulse.platform.launcher import LauncherError, own_launcher
from tokenpulse.resources import resource_path

APP_ID = "io.github.tokenpulse.TokenPulse"
ICON_NAME = "tokenpulse"
DESKTOP_FILE = f"{APP_ID}.desktop"


class DesktopEntryError(LauncherError):
    """The entry cannot be written: no `tokenpulse` executable found, or a shipped file is missing."""


def data_home(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (a relative XDG_DATA_HOME is ignored, as the spec says)."""
    env = os.environ if env is None else env
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return (home or Path.home()) / ".local" / "share"


def default_exec_path() -> Path:
    """The program a launcher should start (the first word of `own_launcher()`)."""
    return Path(own_launcher()[0])


def entry_text(command: Path | Sequence[str]) -> str:
    """The shipped launcher with Exec/TryExec pointing at `command` (a path, or a program and its arguments)."""
    words = [str(command)] if isinstance(command, Path) else [str(w) for w in command]
    template = resource_path("linux", DESKTOP_FILE)
    if not template.is_file():
        raise DesktopEntryError(f"the shipped launcher is missing: {template}")
    lines = []
    for line in template.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0]
        if key == "Exec":
            line = "Exec=" + " ".join(quote_arg(w) for w in words)  # quoted as the spec asks
        elif key == "TryExec":
            line = f"TryExec={words[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _icon_files() -> list[tuple[Path, Path]]:
    """(shipped file, path relative to the icons folder) for every icon the theme should get."""
    pairs = []
    hicolor = resource_path("icons", "hicolor")
    if hicolor.is_dir():
        for png in sorted(hicolor.glob(f"*/apps/{ICON_NAME}.png")):
            pairs.append((png, Path("hicolor") / png.relative_to(hicolor)))
    svg = resource_path("icons", f"{ICON_NAME}.svg")
    if svg.is_file():
        pairs.append((svg, Path("hicolor", "scalable", "apps", f"{ICON_NAME}.svg")))
    return pairs


def _installed(base: Path) -> list[Path]:
    """What `install` may have written under `base`, by any version (sizes may have changed since)."""
    theme = base / "icons" / "hicolor"
    icons = [*theme.glob(f"*/apps/{ICON_NAME}.png"), *theme.glob(f"*/apps/{ICON_NAME}.svg")]
    return [base / "applications" / DESKTOP_FILE, *sorted(icons)]


def install(exec_path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None,
            home: Path | None = None) -> list[Path]:
    """Write the launcher and icons under $XDG_DATA_HOME; returns the files written.

    Args:
        exec_path: the program the launcher starts; default: `own_launcher()`. Made absolute.
    """
    target: Path | list[str] = Path(exec_path).absolute() if exec_path is not None else own_launcher()
    base = data_home(env, home)
    icons = _icon_files()
    if not icons:
        raise DesktopEntryError("the shipped icons are missing")
    written = []
    entry = base / "applications" / DESKTOP_FILE
    _write_atomic(entry, entry_text(target).encode("utf-8"))
    written.append(entry)
    for src, rel in icons:
        dest = base / "icons" / rel
        _write_atomic(dest, src.read_bytes())
        written.append(dest)
    _touch_theme(base / "icons" / "hicolor")
    return written


def uninstall(*, env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """Remove the launcher and icons that `install` writes; returns the files that were removed."""
    base = data_home(env, home)
    removed = []
    for path in _installed(base):
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    if removed:
        _touch_theme(base / "icons" / "hicolor")
    return removed


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o644)
    tmp.replace(path)


def _touch_theme(theme: Path) -> None:
    """Icon caches are rebuilt when the theme folder's mtime changes."""
    if theme.is_dir():
        with contextlib.suppress(OSError):
            os.utime(theme)
