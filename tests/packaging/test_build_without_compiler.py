"""Installing from source without a C compiler (or Python's headers) still works: the compiled accelerator is
optional at build time, and the installed app scans with its pure-Python path to the same totals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from helpers import samples
from tokenpulse import __version__

REPO = Path(__file__).resolve().parents[2]
_SKIP = shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", "*.egg-info", ".hypothesis", "screenshots")


def _source_copy(dest: Path) -> Path:
    """The checkout as a fresh clone has it (no in-place build, no build/ cache)."""
    for name in ("app", "resources"):
        shutil.copytree(REPO / name, dest / name, ignore=_SKIP)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, dest / name)
    return dest


def _wheel(tmp_path: Path, env: dict[str, str]) -> zipfile.ZipFile:
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(src)],
                          capture_output=True, text=True, timeout=600, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return zipfile.ZipFile(next(dist.glob(f"tokenpulse-{__version__}-*.whl")))


def _accelerator(names: set[str]) -> list[str]:
    return sorted(n for n in names if n.startswith("tokenpulse/native/_scan.") and n.endswith((".so", ".pyd")))


@pytest.mark.slow
def test_without_a_compiler_the_wheel_builds_installs_and_scans(tmp_path: Path) -> None:
    env = {**os.environ, "CC": "false", "CXX": "false"}  # every compile fails, as on a machine without gcc
    env.pop("TOKENPULSE_REQUIRE_NATIVE", None)
    wheel = _wheel(tmp_path, env)
    names = set(wheel.namelist())
    assert _accelerator(names) == []
    assert "tokenpulse/native/pyscan.py" in names and "tokenpulse/resources/icons/tokenpulse.svg" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(env_dir)
    py, exe = env_dir / "bin" / "python", env_dir / "bin" / "tokenpulse"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_tp_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel.filename],
                   check=True, capture_output=True, timeout=300)
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "TOKENPULSE_", "CLAUDE_", "CODEX_", "XDG_", "VIRTUAL_ENV"))}
    clean.update({"HOME": str(tmp_path / "home"), "TOKENPULSE_HOME": str(tmp_path / "data"),
                  "CLAUDE_CONFIG_DIR": str(samples("claude-code")), "CODEX_HOME": str(tmp_path / "no-codex")})
    probe = subprocess.run([str(py), "-c", "import tokenpulse.native as n; print(n.accelerator)"], cwd=tmp_path,
                           capture_output=True, text=True, env=clean, check=True)
    assert probe.stdout.strip() == "None"
    pure = _scan_and_report(exe, clean)
    # the same logs through this checkout (with the accelerator when it is built here): the same report
    here = dict(clean, TOKENPULSE_HOME=str(tmp_path / "data-here"), PYTHONPATH=str(REPO / "app"))
    assert pure == _scan_and_report(Path(sys.executable), here, module=True)
    assert pure[1] and sum(day["calls"] for day in pure[1]) == 352  # the samples' unique calls


def _scan_and_report(exe: Path, env: dict[str, str], module: bool = False) -> tuple[object, object]:
    prefix = [str(exe), "-m", "tokenpulse"] if module else [str(exe)]
    scan = subprocess.run([*prefix, "scan", "--json"], capture_output=True, text=True, env=env, check=False,
                          timeout=300, cwd=env["HOME"] if Path(env["HOME"]).is_dir() else None)
    assert scan.returncode == 0, scan.stderr
    report = subprocess.run([*prefix, "daily", "--json", "--tz", "UTC"], capture_output=True, text=True, env=env,
                            check=True, timeout=120)
    return json.loads(scan.stdout), json.loads(report.stdout)


@pytest.mark.slow
def test_with_a_compiler_the_wheel_carries_the_accelerator(tmp_path: Path) -> None:
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not (shutil.which(os.environ.get("CC", "cc")) and include.is_file()):
        if os.environ.get("TP_REQUIRE_NATIVE") == "1":
            pytest.fail(f"TP_REQUIRE_NATIVE=1 but there is no C compiler or no {include}", pytrace=False)
        pytest.skip(f"no C compiler or no {include} here: the wheel is built without the accelerator")
    wheel = _wheel(tmp_path, {**os.environ, "TOKENPULSE_REQUIRE_NATIVE": "1"})
    assert len(_accelerator(set(wheel.namelist()))) == 1
