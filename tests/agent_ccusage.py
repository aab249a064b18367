"""Running ccusage@20.0.24 and tokenpulse on the same agent folders, for the differential tests of the agents
added after the first six: daily totals per model from both, with every agent variable pointed at nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from tokenpulse.cli.main import main as tokenpulse_main
from tokenpulse.sources.registry import all_sources

CCUSAGE = "ccusage@20.0.24"
Totals = dict[tuple[str, str], tuple[int, int, int, int]]  # (day, model) → (input, cache write, cache read, output)
# Every variable a source reads its folders from (the registry's, and the fallbacks some sources honour), so
# that neither tool ever reads the machine's real agent folders.
AGENT_VARS = sorted({s.env_var for s in all_sources()} | {
    "COPILOT_OTEL_FILE_EXPORTER_PATH", "KIMI_SHARE_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "APPDATA",
    "COPILOT_HOME"})


def ccusage_daily(agent: str, home: Path, env: dict[str, str]) -> Totals:
    npx = shutil.which("npx")
    if npx is None:
        if os.environ.get("TP_REQUIRE_CCUSAGE") == "1":
            pytest.fail("npx is missing but TP_REQUIRE_CCUSAGE=1: CI must run the differential test")
        pytest.skip("npm/npx is not installed: cannot run ccusage")
    home.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if k not in AGENT_VARS}
    proc = subprocess.run([npx, "-y", CCUSAGE, agent, "daily", "--json", "--offline", "-z", "UTC"],
                          env={**clean, **env, "HOME": str(home)}, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out: Totals = {}
    for day in json.loads(proc.stdout)["daily"]:
        for m in day["modelBreakdowns"]:
            out[(day.get("date") or day["period"], m["modelName"])] = (
                m["inputTokens"], m["cacheCreationTokens"], m["cacheReadTokens"], m["outputTokens"])
    return out


def tokenpulse_daily(source: str, tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch, home: Path | None = None) -> Totals:
    for var in AGENT_VARS:
        monkeypatch.delenv(var, raising=False)
    for var in {s.env_var for s in all_sources()}:
        monkeypatch.setenv(var, str(tmp_path / "absent"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(home or tmp_path / "home"))
    capsys.readouterr()
    assert tokenpulse_main(["--data-dir", str(tmp_path / "tp"), "daily", "--json", "--tz", "UTC",
                            "--source", source]) == 0
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in json.loads(capsys.readouterr().out):
        cell = acc[(row["date"], row["model"])]
        for i, key in enumerate(("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")):
            cell[i] += row[key]
    return {k: (v[0], v[1], v[2], v[3]) for k, v in acc.items()}
