"""Fixtures of the sync tests: two devices sharing one sync folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_helpers import Device


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    folder = tmp_path / "Sync"
    folder.mkdir()
    return folder


@pytest.fixture
def pair(tmp_path: Path, shared: Path) -> tuple[Device, Device]:
    """Two devices with disjoint logs, scanned, each having published once and read the other."""
    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, "workstation", shared)
    a.add_calls(60, seed=1)
    b.add_calls(45, seed=2, day0=3)
    for d in (a, b, a):
        d.scan()
        result = d.sync()
        assert result.publish_problem is None
    return a, b
