"""Codex sample rollouts against shared/samples/codex/MANIFEST.md (delta(total) per file, ccusage totals)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import cli_env, cli_json, copy_file, make_workspace, samples, scan_once

DAY = Path("sessions/2026/01/01")

# MANIFEST delta(total) = [input incl. cached, cached, output incl. reasoning, reasoning, total]
AGTRACE = ("agtrace__codex_session.jsonl", [26740, 22912, 408, 128, 27148], 7)
RATE_LIMIT = ("agent-sessions__codex_053_rate_limit.jsonl", [12091, 10880, 182, 128, 12273], 1)
ALPHA = ("ccusage__session-alpha.jsonl", [3500, 750, 425, 275, 3925], 2)  # total recomputed: input + output
TASK_STARTED = ("tokscale__codex_task_started_duration.jsonl", [40, 8, 12, 0, 52], 4)  # total derived
PARENT = "ccusage__branch-history/2026-05-12T08-00-00-parent.jsonl"
BRANCH = "ccusage__branch-history/2026-05-12T08-02-00-branch.jsonl"
LEGACY = "claude-code-log__rollout-44444444-4444-4444-8444-444444444444.jsonl"

# whole folder = ccusage's totals
WHOLE = {"input": 22378, "cache_read": 39434, "output": 1570, "reasoning": 634}


@pytest.fixture(scope="module")
def codex_samples() -> Path:
    return samples("codex")


def _codex_home(tmp_path: Path, codex_samples: Path, *names: str) -> Path:
    home = tmp_path / "codex"
    for name in names:
        copy_file(codex_samples / name, home / DAY / name)
    return home


def _scan(tmp_path: Path, home: Path) -> tuple[object, dict[str, int]]:
    return scan_once(tmp_path, codex=home, sources=["codex"])


def _vector(t: dict[str, int]) -> list[int]:
    """Back to Codex's own vector: input incl. cached (and cache writes), cached, output, reasoning, total."""
    inp = t["input"] + t["cache_read"] + t["cache_write"]
    return [inp, t["cache_read"], t["output"], t["reasoning"], inp + t["output"]]


@pytest.mark.parametrize("name,vector,calls", [AGTRACE, RATE_LIMIT, ALPHA, TASK_STARTED],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_delta_total_per_file(tmp_path: Path, codex_samples: Path, name: str, vector: list[int], calls: int) -> None:
    summary, got = _scan(tmp_path, _codex_home(tmp_path, codex_samples, name))
    assert _vector(got) == vector
    assert got["calls"] == calls
    assert got["cache_write"] == 0
    assert summary.lines_skipped == 0, summary.skipped


def test_agtrace_split_into_uncached_and_cache_read(tmp_path: Path, codex_samples: Path) -> None:
    """cached ⊂ input: 26 740 input incl. cached = 3 828 uncached + 22 912 cache read, never 26 740 + 22 912."""
    summary, got = _scan(tmp_path, _codex_home(tmp_path, codex_samples, AGTRACE[0]))
    assert got["input"] == 3828
    assert got["cache_read"] == 22912
    assert got["output"] == 408
    assert got["reasoning"] == 128
    # naive Σ last would give 50 119; the 6 exact repeats are reported as duplicates
    assert got["input"] + got["cache_read"] + got["output"] == 27148
    assert summary.duplicates >= 6


def test_session_alpha_models(tmp_path: Path, codex_samples: Path) -> None:
    home = _codex_home(tmp_path, codex_samples, ALPHA[0])
    ws = make_workspace(tmp_path, codex=home, sources=["codex"])
    try:
        ws.scan()
        rows = ws.conn.execute("SELECT model, input + cache_read, cache_read, output, reasoning FROM api_call"
                               " ORDER BY ts_ms").fetchall()
    finally:
        ws.close()
    assert [r[0] for r in rows] == ["gpt-5.2-codex", "gpt-5.3-codex"]
    assert [sum(r[i] for r in rows) for i in range(1, 5)] == [3500, 750, 425, 275]


def test_task_started_turns_keep_the_model_and_derive_totals(tmp_path: Path, codex_samples: Path) -> None:
    home = _codex_home(tmp_path, codex_samples, TASK_STARTED[0])
    ws = make_workspace(tmp_path, codex=home, sources=["codex"])
    try:
        ws.scan()
        rows = ws.conn.execute("SELECT model, input, cache_read, output, reasoning FROM api_call ORDER BY ts_ms"
                               ).fetchall()
    finally:
        ws.close()
    assert len(rows) == 4
    assert {r[0] for r in rows} == {"gpt-5.2"}  # task_started turns without turn_context keep the model
    assert all(r[4] == 0 for r in rows)  # reasoning_output_tokens absent → 0
    # each turn: 10 in (2 cached), 3 out; total_tokens absent → derived as input + output
    assert sum(r[1] + r[2] + r[3] for r in rows) == 52


def test_branch_history_parent_and_branch(tmp_path: Path, codex_samples: Path) -> None:
    _, parent = _scan(tmp_path / "p", _codex_home(tmp_path / "p", codex_samples, PARENT))
    _, branch = _scan(tmp_path / "b", _codex_home(tmp_path / "b", codex_samples, BRANCH))
    _, both = _scan(tmp_path / "both", _codex_home(tmp_path / "both", codex_samples, PARENT, BRANCH))
    assert _vector(parent)[4] == 1200
    assert _vector(branch)[4] == 2050
    assert _vector(both)[4] == 2050  # the parent's first turn replayed in the branch counts once
    assert both["calls"] == 2


def test_branch_history_dedupe_across_scans_and_orders(tmp_path: Path, codex_samples: Path) -> None:
    """Branch file read first (in an earlier scan), then the parent appears: still 2 050."""
    home = _codex_home(tmp_path, codex_samples, BRANCH)
    ws = make_workspace(tmp_path, codex=home, sources=["codex"])
    try:
        ws.scan()
        copy_file(codex_samples / PARENT, home / DAY / PARENT)
        ws.scan()
        (t,) = ws.conn.execute("SELECT sum(input + cache_read + output) FROM api_call").fetchone()
    finally:
        ws.close()
    assert t == 2050


def test_legacy_rollout_is_zero(tmp_path: Path, codex_samples: Path) -> None:
    summary, got = _scan(tmp_path, _codex_home(tmp_path, codex_samples, LEGACY))
    assert got["calls"] == 0
    assert summary.files_read == 1
    assert summary.lines_skipped == 0, summary.skipped  # no usage is not an error
    assert summary.problems == []


def test_review_rollouts_without_usage(tmp_path: Path, codex_samples: Path) -> None:
    names = ("agtrace__rollout-parent-019b88e0.jsonl", "agtrace__rollout-subagent-019b88e5.jsonl")
    summary, got = _scan(tmp_path, _codex_home(tmp_path, codex_samples, *names))
    assert got["calls"] == 0
    assert summary.problems == []


def _copy_all(codex_samples: Path, dest: Path) -> Path:
    target = dest / DAY
    shutil.copytree(codex_samples, target, ignore=shutil.ignore_patterns("*.md"))
    return dest


def test_whole_folder_equals_ccusage(tmp_path: Path, codex_samples: Path) -> None:
    summary, got = _scan(tmp_path, _copy_all(codex_samples, tmp_path / "codex"))
    assert {k: got[k] for k in WHOLE} == WHOLE
    assert got["cache_write"] == 0
    assert summary.problems == []


def test_whole_folder_is_per_file_sum_minus_branch_replay(tmp_path: Path, codex_samples: Path) -> None:
    files = sorted(p.relative_to(codex_samples) for p in codex_samples.rglob("*.jsonl"))
    acc = {k: 0 for k in WHOLE}
    for i, rel in enumerate(files):
        _, got = _scan(tmp_path / str(i), _codex_home(tmp_path / str(i), codex_samples, str(rel)))
        for k in acc:
            acc[k] += got[k]
    _, parent = _scan(tmp_path / "p", _codex_home(tmp_path / "p", codex_samples, PARENT))
    assert {k: acc[k] - parent[k] for k in acc} == WHOLE


def test_archived_copy_counts_once(tmp_path: Path, codex_samples: Path) -> None:
    home = _copy_all(codex_samples, tmp_path / "codex")
    shutil.copytree(home / "sessions", home / "archived_sessions")
    _, got = _scan(tmp_path, home)
    assert {k: got[k] for k in WHOLE} == WHOLE


def test_rescan_changes_nothing(tmp_path: Path, codex_samples: Path) -> None:
    home = _copy_all(codex_samples, tmp_path / "codex")
    ws = make_workspace(tmp_path, codex=home, sources=["codex"])
    try:
        ws.scan()
        again = ws.scan()
    finally:
        ws.close()
    assert again.bytes_read == 0
    assert again.calls_new == again.calls_updated == 0
    _, got = _scan(tmp_path, home)
    assert {k: got[k] for k in WHOLE} == WHOLE


def test_cli_daily_json(tmp_path: Path, codex_samples: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path, codex=_copy_all(codex_samples, tmp_path / "codex"))
    rows = cli_json(capsys, "daily", "--source", "codex", "--tz", "UTC")
    assert sum(r["input_tokens"] for r in rows) == WHOLE["input"]
    assert sum(r["cache_read_tokens"] for r in rows) == WHOLE["cache_read"]
    assert sum(r["output_tokens"] for r in rows) == WHOLE["output"]
    assert sum(r["reasoning_tokens"] for r in rows) == WHOLE["reasoning"]
    assert {r["source"] for r in rows} == {"codex"}
