"""The shipped launcher and AppStream metainfo validate, and agree with each other and with the version."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tokenpulse import __version__
from tokenpulse.platform.desktop_entry import APP_ID, ICON_NAME

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "resources" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"

needs_dfv = pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                               reason="desktop-file-validate not installed (apt-get install desktop-file-utils)")
needs_appstream = pytest.mark.skipif(shutil.which("appstreamcli") is None,
                                     reason="appstreamcli not installed (apt-get install appstream)")


@needs_dfv
def test_desktop_file_validate() -> None:
    out = subprocess.run(["desktop-file-validate", str(DESKTOP)], check=False, capture_output=True, text=True)
    # no errors, and no warnings or hints either
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr


@needs_appstream
def test_appstreamcli_validate() -> None:
    out = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not re.search(r"^[EW]: ", out.stdout, re.MULTILINE), out.stdout


def _desktop() -> dict[str, str]:
    lines = DESKTOP.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


def test_launcher_runs_the_installed_command() -> None:
    entry = _desktop()
    assert entry["Exec"] == "tokenpulse"  # the .deb's /usr/bin/tokenpulse; desktop_entry makes it absolute
    assert entry["TryExec"] == "tokenpulse"
    assert entry["Icon"] == ICON_NAME
    assert entry["Terminal"] == "false"


def test_metainfo_matches_the_launcher_and_the_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name  # type: ignore[union-attr]
    assert root.find("provides/binary").text == "tokenpulse"  # type: ignore[union-attr]
    releases = [r.get("version") for r in root.findall("releases/release")]
    assert releases[0] == __version__, "newest <release> must be the package version"


def test_changelog_starts_with_this_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    released = [v for v in versions if v.lower() != "unreleased"]
    assert released and released[0] == __version__
    date = re.search(rf"^## \[{re.escape(__version__)}\] - (\d{{4}}-\d{{2}}-\d{{2}})", text, re.MULTILINE)
    meta = ET.parse(METAINFO).getroot().find("releases/release")
    assert date and meta is not None and meta.get("date") == date.group(1), "CHANGELOG and metainfo dates differ"


def test_build_script_and_spec_use_the_same_app_id() -> None:
    for rel in ("packaging/build.py", "packaging/pyinstaller/tokenpulse.spec"):
        assert f'APP_ID = "{APP_ID}"' in (REPO / rel).read_text(encoding="utf-8"), rel
