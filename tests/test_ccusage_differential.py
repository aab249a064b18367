"""Differential test: on a generated corpus, daily totals per model equal the real ccusage's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tokenpulse.cli.main import main as tokenpulse_main

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
import corpus

CCUSAGE = "ccusage@20.0.24"
Totals = dict[tuple[str, str], tuple[int, int, int, int]]


def _ccusage(env: dict[str, str]) -> Totals:
    npx = shutil.which("npx")
    if npx is None:
        if os.environ.get("TP_REQUIRE_CCUSAGE") == "1":
            pytest.fail("npx is missing but TP_REQUIRE_CCUSAGE=1: CI must run the differential test")
        pytest.skip("npm/npx is not installed: cannot run ccusage")
    proc = subprocess.run([npx, "-y", CCUSAGE, "daily", "--json", "--offline", "-z", "UTC"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out: Totals = {}
    for day in json.loads(proc.stdout)["daily"]:
        for m in day["modelBreakdowns"]:
            out[(day["period"], m["modelName"])] = (m["inputTokens"], m["cacheCreationTokens"],
                                                    m["cacheReadTokens"], m["outputTokens"])
    return out


def _ours(env: dict[str, str], home: Path, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> Totals:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(home))  # other agents' default folders must not leak in
    assert tokenpulse_main(["--data-dir", str(home), "daily", "--json", "--tz", "UTC"]) == 0
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in json.loads(capsys.readouterr().out):
        cell = acc[(row["date"], row["model"])]
        for i, key in enumerate(("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")):
            cell[i] += row[key]
    return {k: (v[0], v[1], v[2], v[3]) for k, v in acc.items()}


@pytest.mark.slow
def test_daily_totals_equal_ccusage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "corpus"
    expected = corpus.generate(data, size_mb=4, seed=11, days=12)
    env = {"CLAUDE_CONFIG_DIR": str(data / "claude"), "CODEX_HOME": str(data / "codex")}
    theirs = _ccusage({**os.environ, **env, "HOME": str(tmp_path)})
    ours = _ours(env, tmp_path / "home", capsys, monkeypatch)
    assert len(ours) > 10, "the corpus should span many days and models"
    assert ours == theirs
    # and both equal the generator's own ground truth
    truth: Totals = {}
    for row in expected["by_day"]:
        key = (row["date"], row["model"])
        old = truth.get(key, (0, 0, 0, 0))
        truth[key] = (old[0] + row["input_tokens"], old[1] + row["cache_write_tokens"],
                      old[2] + row["cache_read_tokens"], old[3] + row["output_tokens"])
    assert ours == truth
