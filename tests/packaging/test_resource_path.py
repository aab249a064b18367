"""tokenpulse.resources: the shipped files are found from a source checkout, a bundle layout and an install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tokenpulse import resources
from tokenpulse.resources import resource_path, resource_roots

REPO = Path(__file__).resolve().parents[2]


def test_source_checkout_finds_the_shipped_files() -> None:
    assert REPO / "resources" in resource_roots()
    for parts in (("icons", "tokenpulse.svg"), ("icons", "hicolor", "48x48", "apps", "tokenpulse.png"),
                  ("linux", "io.github.tokenpulse.TokenPulse.desktop"),
                  ("linux", "io.github.tokenpulse.TokenPulse.metainfo.xml")):
        path = resource_path(*parts)
        assert path.is_file(), path
        assert path == REPO.joinpath("resources", *parts)


def test_a_missing_file_gets_a_path_in_the_first_root() -> None:
    path = resource_path("icons", "no-such-icon.svg")
    assert not path.exists()
    assert path == resource_roots()[0] / "icons" / "no-such-icon.svg"


def test_a_pyinstaller_bundle_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "tokenpulse" / "resources" / "icons"
    bundled.mkdir(parents=True)
    (bundled / "tokenpulse.svg").write_text("<svg/>", encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_roots()[0] == tmp_path / "tokenpulse" / "resources"
    assert resource_path("icons", "tokenpulse.svg") == bundled / "tokenpulse.svg"
    # what the bundle lacks still comes from the next root
    assert resource_path("linux", "io.github.tokenpulse.TokenPulse.desktop").is_file()


def test_an_installed_package_comes_before_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "site-packages" / "tokenpulse"
    (pkg / "resources" / "icons").mkdir(parents=True)
    (pkg / "resources" / "icons" / "tokenpulse.svg").write_text("<svg/>", encoding="utf-8")
    monkeypatch.setattr(resources, "_PACKAGE_DIR", pkg)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    # no pyproject.toml two levels up: an installed copy never falls back to some stray folder
    assert resource_roots() == [pkg / "resources"]
    assert resource_path("icons", "tokenpulse.svg") == pkg / "resources" / "icons" / "tokenpulse.svg"


def test_importing_it_stays_cheap() -> None:
    import subprocess

    code = "import sys, tokenpulse.resources; print(sorted(m for m in sys.modules if m.startswith(('PySide6','sqlalchemy','alembic'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO / "app"), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
