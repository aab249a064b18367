"""Qt tests: offscreen unless TP_REAL_DISPLAY=1; every test here carries the `gui` marker."""

from __future__ import annotations

import os

import pytest

# Before any QApplication exists: the platform cannot change afterwards.
if os.environ.get("TP_REAL_DISPLAY") != "1":
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
# Reminders go to the desktop's notification server when a session bus is there: these tests must not put
# notifications on the desktop of whoever runs them (the real-server tests start their own bus).
os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.gui)


class FakeWorker:
    """Stands in for IngestWorker behind a Bridge: records the commands the GUI sends."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args[0] if args else None))


@pytest.fixture
def fake_worker() -> FakeWorker:
    return FakeWorker()
