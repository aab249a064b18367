"""Runs the atheris harness (fuzz_parsers.py) for a short time box in a subprocess; any crash fails the test."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a timed fuzzing run of every parser

HARNESS = Path(__file__).resolve().parent / "fuzz_parsers.py"
SECONDS = 25  # a smoke run for every suite; longer runs: see the harness's docstring
# Not a speed check (25 s give some 25,000 inputs here): fewer than this means the harness hardly ran at all.
MIN_INPUTS = 100


def test_fuzzing_every_parser_for_a_short_while_finds_no_crash(tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        if os.environ.get("TP_SKIP_FUZZ") == "1":
            pytest.skip("TP_SKIP_FUZZ=1: the fuzz run is skipped on purpose")
        pytest.fail("atheris is not installed, so the parsers were not fuzzed: install the test extra"
                    " (`.venv/bin/pip install -e '.[test]'`), or set TP_SKIP_FUZZ=1 to skip this run on purpose",
                    pytrace=False)
    result = subprocess.run(
        [sys.executable, str(HARNESS), "--seconds", str(SECONDS), f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, capture_output=True, text=True, errors="replace", timeout=SECONDS + 240, check=False)
    output = result.stdout + result.stderr
    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    assert result.returncode == 0 and not crashes, (
        f"the fuzzer found a crash (exit {result.returncode}, files {crashes} in {tmp_path});"
        f" replay with `python {HARNESS} <crash file>`:\n{output[-6000:]}")
    summary = re.search(r"fuzz_parsers: (\d+) inputs in [\d.]+ s \((\d+) exec/s\); crashes: 0", output)
    assert summary, f"no summary line from the harness:\n{output[-3000:]}"
    assert int(summary.group(1)) >= MIN_INPUTS, summary.group(0)
    for target in ("claude-code", "codex", "gemini", "qwen", "copilot-cli", "pi-agent", "openclaw", "kimi",
                   "gemini-document", "opencode-document", "amp-document", "droid-document", "task-document",
                   "opencode-database", "goose-database", "hermes-database", "line-reader"):
        assert re.search(rf"\b{target} [1-9]\d*", output), f"target {target} never ran:\n{output[-2000:]}"
