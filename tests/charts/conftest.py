"""Chart tests run offscreen; stores are filled from the shared samples or from a generated history."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chart_history import NOW, write_history
from chart_stores import SAMPLE_NOW, open_workspace, sample_agents, scan  # noqa: F401

from helpers import cli_env, samples


@pytest.fixture
def sample_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared samples of every agent scanned into a store; returns its data folder (CLI env set to it)."""
    codex, more = sample_agents(tmp_path)
    data = cli_env(monkeypatch, tmp_path, claude=samples("claude-code"), codex=codex, data=tmp_path / "h")
    scan(data, samples("claude-code"), codex, tmp_path, more=more)
    return data


@pytest.fixture
def history_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ten weeks of generated Claude Code and Codex use scanned into a store; returns its data folder."""
    claude, codex = tmp_path / "claude", tmp_path / "codex"
    write_history(claude, codex)
    data = cli_env(monkeypatch, tmp_path, claude=claude, codex=codex, data=tmp_path / "h")
    scan(data, claude, codex, tmp_path)
    return data


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """open_window(data_dir, timezone="UTC", now=NOW) -> a shown ChartsWindow whose first view is drawn."""
    from tokenpulse.clock import FakeClock
    from tokenpulse.config.settings import Settings
    from tokenpulse.gui.charts.window import ChartsWindow

    windows: list[ChartsWindow] = []

    def make(data: Path, timezone: str = "UTC", now: object = NOW) -> ChartsWindow:
        win = ChartsWindow(data / "tokenpulse.sqlite3", Settings(timezone=timezone), FakeClock(now))  # type: ignore[arg-type]
        qtbot.addWidget(win)
        windows.append(win)
        with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
            win.show()
        return win

    yield make
    for win in windows:
        win.shutdown()
