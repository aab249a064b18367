"""Start at login: the XDG autostart entry is written, read back, quoted right, and a user's opt-out respected."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from tokenpulse.platform import launcher
from tokenpulse.platform.autostart import XdgAutostart, default_command, entry_text, quote_arg


def _read(path: Path) -> dict[str, str]:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    cp.read(path, encoding="utf-8")
    return dict(cp["Desktop Entry"])


def test_enable_writes_an_entry_that_starts_in_the_background(tmp_path: Path) -> None:
    entry = XdgAutostart(["/opt/tp/bin/tokenpulse", "--background"], env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert entry.path == tmp_path / "cfg/autostart/io.github.tokenpulse.TokenPulse.desktop"
    assert not entry.enabled
    entry.enable()
    assert entry.enabled
    keys = _read(entry.path)
    assert keys["Exec"] == "/opt/tp/bin/tokenpulse --background"
    assert keys["Type"] == "Application" and keys["X-GNOME-Autostart-enabled"] == "true"
    assert int(keys["X-GNOME-Autostart-Delay"]) > 0 and keys["Icon"] == "tokenpulse"
    entry.disable()
    assert not entry.path.exists() and not entry.enabled
    entry.disable()  # twice is fine


def test_home_config_is_used_without_xdg_config_home(tmp_path: Path) -> None:
    entry = XdgAutostart(["tokenpulse"], env={}, home=tmp_path)
    entry.set(True)
    assert (tmp_path / ".config/autostart/io.github.tokenpulse.TokenPulse.desktop").is_file()
    entry.set(False)
    assert not entry.enabled


@pytest.mark.parametrize("line", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_a_user_who_switched_it_off_is_respected(tmp_path: Path, line: str) -> None:
    entry = XdgAutostart(["tokenpulse"], env={"XDG_CONFIG_HOME": str(tmp_path)})
    entry.enable()
    entry.path.write_text(entry.path.read_text().replace("X-GNOME-Autostart-enabled=true", "") + line + "\n")
    assert not entry.enabled


@pytest.mark.parametrize("arg, quoted", [
    ("/usr/bin/tokenpulse", "/usr/bin/tokenpulse"),
    ("/home/me/My Apps/tokenpulse", '"/home/me/My Apps/tokenpulse"'),
    ('/a"b$c`d\\e', '"/a\\"b\\$c\\`d\\\\e"'),
    ("100%", "100%%"),
    ("", '""'),
])
def test_exec_arguments_are_quoted_per_the_spec(arg: str, quoted: str) -> None:
    assert quote_arg(arg) == quoted


def test_entry_text_and_delay() -> None:
    text = entry_text(["/x y/tokenpulse", "--background"], delay_s=7)
    assert 'Exec="/x y/tokenpulse" --background' in text.splitlines()
    assert "X-GNOME-Autostart-Delay=7" in text.splitlines()
    assert text.startswith("[Desktop Entry]\n") and text.endswith("\n")


def test_default_command(tmp_path: Path) -> None:
    launcher = ["/opt/venv/bin/tokenpulse"]
    assert default_command(launcher=launcher) == ["/opt/venv/bin/tokenpulse", "--background"]
    assert default_command(tmp_path, launcher) == ["/opt/venv/bin/tokenpulse", "--data-dir", str(tmp_path),
                                                   "--background"]


def test_login_starts_this_installation_even_off_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A venv whose bin folder is not on PATH: the login entry used to fall back to `python -m tokenpulse` (or to
    another installation found on PATH); it now names this installation's own script."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "tokenpulse"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.setattr(sys, "argv", ["-c"])
    monkeypatch.setattr(launcher.shutil, "which", lambda name: "/usr/bin/tokenpulse")  # another one, on PATH
    assert default_command() == [str(script), "--background"]
