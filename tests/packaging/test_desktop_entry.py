"""tokenpulse.platform.desktop_entry: the per-user launcher and icons, in a temporary XDG_DATA_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tokenpulse.platform import desktop_entry
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


def test_exec_defaults_to_tokenpulse_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "my bin"
    bindir.mkdir()
    fake = bindir / "tokenpulse"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    written = install(env={"XDG_DATA_HOME": str(tmp_path / "data")})
    fields = _entry(written[0].read_text(encoding="utf-8"))
    assert fields["Exec"] == f'"{fake}"'  # a space in the path: quoted as the spec asks
    assert fields["TryExec"] == str(fake)  # TryExec is a plain path, never quoted


def test_no_tokenpulse_on_path_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delattr(sys, "frozen", raising=False)
    with pytest.raises(DesktopEntryError, match="no `tokenpulse` on PATH"):
        install(env={"XDG_DATA_HOME": str(tmp_path)})
    assert not (tmp_path / "applications").exists()


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
