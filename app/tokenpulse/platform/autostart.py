"""Start at login on Linux desktops: write or remove the per-user XDG autostart entry (~/.config/autostart)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from tokenpulse.platform.launcher import own_launcher

# the same id as the launcher (resources/linux), so desktops treat the two entries as one app
DESKTOP_ID = "io.github.tokenpulse.TokenPulse"
# Give the panel time to come up first: an app that starts before the tray host finds no tray.
DEFAULT_DELAY_S = 10
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def autostart_dir(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str((home or Path.home()) / ".config")
    return Path(base) / "autostart"


def default_command(data_dir: Path | None = None, launcher: list[str] | None = None) -> list[str]:
    """How login starts us: this installation's launcher (launcher.own_launcher), in the background."""
    cmd = launcher or own_launcher()  # this installation, not whatever `tokenpulse` is first on PATH
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return [*cmd, "--background"]


def quote_arg(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry spec asks ("%" doubled; \\ " ` $ escaped in quotes)."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in _RESERVED for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def entry_text(command: Sequence[str], delay_s: int = DEFAULT_DELAY_S) -> str:
    exec_line = " ".join(quote_arg(a) for a in command)
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=tokenpulse",
        "Comment=Track the tokens your AI coding agents spend, by type",
        f"Exec={exec_line}",
        "Icon=tokenpulse",
        "Terminal=false",
        "NoDisplay=true",
        "X-GNOME-Autostart-enabled=true",
        f"X-GNOME-Autostart-Delay={int(delay_s)}",
        "X-KDE-autostart-after=panel",
        "",
    ])


class XdgAutostart:
    """The per-user entry; `enabled` reads the file, so a user who removed or hid it is respected."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str] | None = None, home: Path | None = None,
                 delay_s: int = DEFAULT_DELAY_S) -> None:
        self.command = list(command)
        self.path = autostart_dir(env, home) / f"{DESKTOP_ID}.desktop"
        self.delay_s = delay_s

    @property
    def enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return False
        values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
        return (values.get("Hidden", "false").strip().lower() != "true"
                and values.get("X-GNOME-Autostart-enabled", "true").strip().lower() != "false")

    def enable(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".desktop.tmp")
        tmp.write_text(entry_text(self.command, self.delay_s), encoding="utf-8")
        tmp.replace(self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def set(self, on: bool) -> None:
        self.enable() if on else self.disable()
