"""tokenpulse.platform.desktop_entry: the per-user launcher and icons, in a temporary XDG_DATA_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tokenpulse.platform import desktop_entry, launcher
from tokenpulse.platform.desktop_entry import APP_ID, DesktopEntryError, install, uninstall

REPO = Path(__file__).resolve().parents[2]
HICOLOR_SIZES = ("16x16", "22x22", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512")


def _entry(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_install_writes_the_launcher_and_icons(tmp_path: Path) -> None:
    data = tmp_path / "data"
    exe = tmp_path / "venv" / "bin" / "tokenpulse"
    written = install(exe, env={"XDG_DATA_HOME": str(data)})
    launcher = data / "applications" / f"{APP_ID}.desktop"
    assert written[0] == launcher
    assert all(p.is_file() and data in p.parents for p in written)
    for size in HICOLOR_SIZES:
        assert data / "icons" / "hicolor" / size / "apps" / "tokenpulse.png" in written
    assert data / "icons" / "hicolor" / "scalable" / "apps" / "tokenpulse.svg" in written
    fields = _entry(launcher.read_text(encoding="utf-8"))
    assert fields["Exec"] == str(exe)
    assert fields["TryExec"] == str(exe)
    assert fields["Icon"] == "tokenpulse"
    # everything else is the shipped launcher's
    shipped = _entry((REPO / "resources" / "linux" / f"{APP_ID}.desktop").read_text(encoding="utf-8"))
    assert {k: v for k, v in fields.items() if k not in ("Exec", "TryExec")} == \
        {k: v for k, v in shipped.items() if k not in ("Exec", "TryExec")}
    assert oct(launcher.stat().st_mode & 0o777) == "0o644"


def test_install_twice_then_uninstall_leaves_nothing(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    first = install("/opt/x/tokenpulse", env=env)
    second = install("/opt/y/tokenpulse", env=env)
    assert first == second
    assert "Exec=/opt/y/tokenpulse" in (tmp_path / "applications" / f"{APP_ID}.desktop").read_text()
    removed = uninstall(env=env)
    assert sorted(removed) == sorted(first)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert uninstall(env=env) == []


def test_uninstall_also_removes_icon_sizes_an_older_version_wrote(tmp_path: Path) -> None:
    old = tmp_path / "icons" / "hicolor" / "96x96" / "apps" / "tokenpulse.png"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"png")
    other = tmp_path / "icons" / "hicolor" / "96x96" / "apps" / "someone-else.png"
    other.write_bytes(b"png")
    assert old in uninstall(env={"XDG_DATA_HOME": str(tmp_path)})
    assert not old.exists() and other.exists()


def test_default_data_home_is_local_share(tmp_path: Path) -> None:
    written = install("/usr/bin/tokenpulse", env={}, home=tmp_path)
    assert written[0] == tmp_path / ".local" / "share" / "applications" / f"{APP_ID}.desktop"
    # a relative XDG_DATA_HOME is invalid per the spec and ignored
    assert desktop_entry.data_home({"XDG_DATA_HOME": "rel/dir"}, tmp_path) == tmp_path / ".local" / "share"
    assert uninstall(env={}, home=tmp_path)


def test_the_process_environment_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    written = install("/usr/bin/tokenpulse")
    assert written[0].parent == tmp_path / "applications"
    assert uninstall() == written


def _script(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "tokenpulse"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def test_the_launcher_is_this_installation_not_path(tmp_path: Path) -> None:
    """A venv or pipx install whose bin folder is not on PATH: the script beside this Python is the launcher,
    even when another tokenpulse is on PATH (it may be a different version)."""
    venv = _script(tmp_path / "venv" / "bin")
    other = _script(tmp_path / "elsewhere")
    python = tmp_path / "venv" / "bin" / "python"  # a venv's python is a symlink: never resolved here
    assert desktop_entry.own_launcher(argv0="-c", executable=str(python), frozen=False,
                                      which=lambda _n: str(other)) == [str(venv)]
    # started as the script itself (pipx links ~/.local/bin/tokenpulse to its venv's script): that one
    link = tmp_path / "local-bin" / "tokenpulse"
    link.parent.mkdir()
    link.symlink_to(venv)
    assert desktop_entry.own_launcher(argv0=str(link), executable=str(python), frozen=False) == [str(link)]


def test_path_then_python_m_when_no_script_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher.sysconfig, "get_path", lambda *a: str(tmp_path / "no-scripts"))
    python = str(tmp_path / "src-checkout" / "python3")
    on_path = _script(tmp_path / "my bin")
    assert desktop_entry.own_launcher(argv0="x", executable=python, frozen=False,
                                      which=lambda _n: str(on_path)) == [str(on_path)]
    command = desktop_entry.own_launcher(argv0="x", executable=python, frozen=False, which=lambda _n: None)
    assert command == [python, "-m", "tokenpulse"]
    fields = _entry(desktop_entry.entry_text(command).replace(python, "PY"))
    assert fields["Exec"] == "PY -m tokenpulse" and fields["TryExec"] == "PY"


def test_exec_quotes_a_path_with_a_space(tmp_path: Path) -> None:
    fake = _script(tmp_path / "my bin")
    written = install(fake, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    fields = _entry(written[0].read_text(encoding="utf-8"))
    assert fields["Exec"] == f'"{fake}"'  # a space in the path: quoted as the spec asks
    assert fields["TryExec"] == str(fake)  # TryExec is a plain path, never quoted


def test_desktop_install_from_a_venv_not_on_path(tmp_path: Path) -> None:
    """The real command, run as a newcomer would from a venv without activating it: PATH has no tokenpulse.
    (Before: "no `tokenpulse` on PATH", exit 3.)"""
    script = Path(sys.executable).parent / "tokenpulse"
    assert script.is_file(), "the test venv has no tokenpulse script: install with pip install -e '.[test]'"
    env = {"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    out = subprocess.run([str(script), "desktop", "install"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    fields = _entry((tmp_path / "data" / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8"))
    assert fields["TryExec"] == str(script)
    assert subprocess.run([fields["TryExec"], "--version"], env=env, capture_output=True, timeout=60).returncode == 0


def test_a_frozen_bundle_launches_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "tokenpulse"))
    assert desktop_entry.default_exec_path() == tmp_path / "tokenpulse"


@pytest.mark.parametrize(("arg", "quoted"), [
    ("/usr/bin/tokenpulse", "/usr/bin/tokenpulse"),
    ("/home/a b/bin/tokenpulse", '"/home/a b/bin/tokenpulse"'),
    ("/opt/100%/tokenpulse", "/opt/100%%/tokenpulse"),
    ('/x/"$`\\/tokenpulse', '"/x/\\"\\$\\`\\\\/tokenpulse"'),
])
def test_exec_quoting(tmp_path: Path, arg: str, quoted: str) -> None:
    written = install(arg, env={"XDG_DATA_HOME": str(tmp_path)})
    assert _entry(written[0].read_text(encoding="utf-8"))["Exec"] == quoted


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate not installed (apt-get install desktop-file-utils)")
def test_the_written_launcher_validates(tmp_path: Path) -> None:
    written = install(tmp_path / "with space" / "tokenpulse", env={"XDG_DATA_HOME": str(tmp_path / "d")})
    out = subprocess.run(["desktop-file-validate", str(written[0])], check=False, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr


def test_missing_shipped_files_are_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desktop_entry, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(DesktopEntryError, match=r"the shipped (launcher|icons)"):
        install("/usr/bin/tokenpulse", env={"XDG_DATA_HOME": str(tmp_path / "d")})
    assert not os.path.exists(tmp_path / "d")
