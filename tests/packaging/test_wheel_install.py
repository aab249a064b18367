"""The wheel carries the package data: built from this checkout, installed into a fresh venv, it runs and
finds its icons, launcher and schema from site-packages (a pipx-style install), not from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tokenpulse import __version__

REPO = Path(__file__).resolve().parents[2]
APP_ID = "io.github.tokenpulse.TokenPulse"

PROBE = r"""
import json, sys
from pathlib import Path
import tokenpulse
from tokenpulse.resources import resource_path, resource_roots
from tokenpulse.platform import desktop_entry
written = desktop_entry.install(env={"XDG_DATA_HOME": sys.argv[1]})
print(json.dumps({
    "package": tokenpulse.__file__,
    "roots": [str(r) for r in resource_roots()],
    "svg": str(resource_path("icons", "tokenpulse.svg")),
    "svg_exists": resource_path("icons", "tokenpulse.svg").is_file(),
    "png_exists": resource_path("icons", "hicolor", "256x256", "apps", "tokenpulse.png").is_file(),
    "desktop_exists": resource_path("linux", "APP_ID.desktop").is_file(),
    "written": [str(p) for p in written],
}))
""".replace("APP_ID", APP_ID)


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_finds_its_resources(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob(f"tokenpulse-{__version__}-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in ("tokenpulse/resources.py", "tokenpulse/resources/icons/tokenpulse.svg",
                   "tokenpulse/resources/icons/hicolor/48x48/apps/tokenpulse.png",
                   f"tokenpulse/resources/linux/{APP_ID}.desktop", f"tokenpulse/resources/linux/{APP_ID}.metainfo.xml",
                   "tokenpulse/store/schema.sql", "tokenpulse/store/migrations/env.py",
                   "tokenpulse/platform/desktop_entry.py"):
        assert member in names, member

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(env_dir)
    py, exe = env_dir / "bin" / "python", env_dir / "bin" / "tokenpulse"
    # the app's dependencies come from the running interpreter's site-packages, appended after the venv's
    # own (a .pth path line), so the installed tokenpulse, not the checkout, is the one imported
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_tp_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)

    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "TOKENPULSE_", "CLAUDE_", "CODEX_", "XDG_", "VIRTUAL_ENV"))}
    clean.update({"HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen",
                  "PATH": f"{env_dir / 'bin'}{os.pathsep}{clean.get('PATH', '')}"})
    version = subprocess.run([str(exe), "--version"], check=False, capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"tokenpulse {__version__}"

    probe = subprocess.run([str(py), "-c", PROBE, str(tmp_path / "xdg")], check=False, capture_output=True, text=True,
                           env=clean, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    got = json.loads(probe.stdout)
    assert Path(got["package"]).is_relative_to(site), got["package"]
    assert got["roots"] == [str(site / "tokenpulse" / "resources")]
    assert got["svg_exists"] and got["png_exists"] and got["desktop_exists"]
    launcher = Path(got["written"][0])
    assert f"Exec={exe}" in launcher.read_text(encoding="utf-8")

    # `tokenpulse desktop install` run by its full path with its folder not on PATH (pipx's ~/.local/bin and an
    # unactivated venv's bin often are not): the entry starts this installation
    no_path = {**clean, "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "xdg2")}
    desktop = subprocess.run([str(exe), "desktop", "install"], check=False, capture_output=True, text=True,
                             env=no_path, cwd=tmp_path)
    assert desktop.returncode == 0, desktop.stderr
    assert f"Exec={exe}\n" in (tmp_path / "xdg2" / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")

    # the installed copy creates a store from its own schema.sql
    scan = subprocess.run([str(exe), "scan"], check=False, capture_output=True, text=True, cwd=tmp_path,
                          env={**clean, "TOKENPULSE_HOME": str(tmp_path / "data")})
    assert scan.returncode == 0, scan.stderr
    assert (tmp_path / "data" / "tokenpulse.sqlite3").is_file()
