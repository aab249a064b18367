"""The linters are part of the test run: ruff over the code and the tests, mypy over the Qt-free core.

Their rule sets live in pyproject.toml ([tool.ruff.lint], [tool.mypy]); a finding fails this test with the
linter's own report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it comes with the test extras (pip install -e '.[test]')")
    return found


def test_ruff_finds_nothing() -> None:
    out = subprocess.run([_tool("ruff"), "check", "--no-cache", "app", "tests"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow  # a cold mypy run takes half a minute
def test_mypy_finds_nothing_in_the_core(tmp_path: Path) -> None:
    # a fresh cache each run: a stale one has hidden real errors
    out = subprocess.run([_tool("mypy"), "--cache-dir", str(tmp_path / "mypy-cache")], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
