"""Fixtures of the reliability tests (helpers live in rel_helpers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def corpus30(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 30 MB Claude Code + Codex corpus (claude/, codex/, expected.json), made once per run."""
    from benchmarks.corpus import generate

    root = tmp_path_factory.mktemp("corpus30")
    generate(root, size_mb=30, seed=42)
    assert json.loads((root / "expected.json").read_text())["totals"]["calls"] > 1000
    return root
