"""Claude Code sample logs against the reference totals in shared/samples/claude-code/MANIFEST.md."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import claude_tuple, cli_env, cli_json, copy_file, make_workspace, samples, scan_once, totals

# MANIFEST table: file -> (usage lines, unique keys, max-output-wins (input, output, cache_creation, cache_read))
PER_FILE = {
    "sample-project/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl": (15, 7, (93, 953, 12698, 103219)),
    "sample-project/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl": (28, 20, (129, 3629, 47747, 324259)),
    "sample-project/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl": (262, 170, (818, 51933, 137976, 3647854)),
    "agtrace-agent-sample/claude_session.jsonl": (13, 6, (74, 844, 5158, 93553)),
    "-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl": (62, 17, (1308, 22901, 102189, 728660)),
    "-src-experiments-claude_p/29ccd257-68b1-427f-ae5f-6524b7cb6f20/subagents/agent-a2271d1.jsonl":
        (34, 10, (4466, 18, 42768, 236968)),
    "-Users-dain-workspace-claude-code-log-sample/fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl":
        (59, 34, (279, 2201, 83966, 1164952)),
}
TREE_LINES, TREE_KEYS = 609, 352
TREE_MAX = (9637, 113915, 762534, 8361801)
TREE_FIRST_WINS_OUTPUT = 91901  # first-wins under-counts output; max-output-wins must not give this


@pytest.fixture(scope="module")
def claude_samples() -> Path:
    return samples("claude-code")


@pytest.mark.parametrize("rel", sorted(PER_FILE))
def test_each_sample_file_gives_max_output_totals(tmp_path: Path, claude_samples: Path, rel: str) -> None:
    lines, keys, expected = PER_FILE[rel]
    # keep the file's position below projects/ (sub-agent layout matters for session attribution)
    copy_file(claude_samples / "projects" / rel, tmp_path / "claude" / "projects" / rel)
    summary, got = scan_once(tmp_path, claude=tmp_path / "claude")
    assert claude_tuple(got) == expected
    assert got["calls"] == keys
    assert summary.usage_records == lines
    assert summary.lines_skipped == 0, summary.skipped
    assert summary.calls_new == keys


@pytest.mark.parametrize("rel", sorted(PER_FILE))
def test_each_sample_file_alone_in_a_flat_project(tmp_path: Path, claude_samples: Path, rel: str) -> None:
    """The same file under projects/x/ (no sub-agent folder) counts the same tokens."""
    copy_file(claude_samples / "projects" / rel, tmp_path / "claude" / "projects" / "x" / Path(rel).name)
    _, got = scan_once(tmp_path, claude=tmp_path / "claude")
    assert claude_tuple(got) == PER_FILE[rel][2]


def test_whole_tree(tmp_path: Path, claude_samples: Path) -> None:
    summary, got = scan_once(tmp_path, claude=claude_samples, sources=["claude-code"])
    assert claude_tuple(got) == TREE_MAX
    assert got["output"] != TREE_FIRST_WINS_OUTPUT
    assert got["calls"] == TREE_KEYS
    assert summary.usage_records == TREE_LINES
    assert summary.lines_skipped == 0, summary.skipped
    assert summary.problems == []
    # every usage record is either a stored call or a dropped duplicate
    assert summary.calls_new + summary.calls_updated + summary.duplicates + summary.replays_dropped >= TREE_KEYS


def test_whole_tree_via_projects_folder_and_duplicate_roots(tmp_path: Path, claude_samples: Path) -> None:
    """`X/projects` is accepted, and the same tree reached through two roots (a symlink) counts once."""
    link = tmp_path / "linked-claude"
    os.symlink(claude_samples, link)
    roots = f"{claude_samples / 'projects'},{link}"
    _, got = scan_once(tmp_path, claude=roots, sources=["claude-code"])
    assert claude_tuple(got) == TREE_MAX
    assert got["calls"] == TREE_KEYS


def test_whole_tree_copied_twice_under_two_roots_counts_once(tmp_path: Path, claude_samples: Path) -> None:
    """Real copies (not links) of the same transcripts: the global dedupe key makes them harmless."""
    import shutil

    shutil.copytree(claude_samples / "projects", tmp_path / "a" / "projects")
    shutil.copytree(claude_samples / "projects", tmp_path / "b" / "projects")
    _, got = scan_once(tmp_path, claude=f"{tmp_path / 'a'},{tmp_path / 'b'}", sources=["claude-code"])
    assert claude_tuple(got) == TREE_MAX


def test_sum_of_per_file_scans_equals_tree(tmp_path: Path, claude_samples: Path) -> None:
    """No key is shared between files in the samples, so per-file scans must add up to the whole tree."""
    files = sorted((claude_samples / "projects").rglob("*.jsonl"))
    acc = [0, 0, 0, 0]
    for i, f in enumerate(files):
        rel = f.relative_to(claude_samples / "projects")
        copy_file(f, tmp_path / str(i) / "claude" / "projects" / rel)
        _, got = scan_once(tmp_path / str(i), claude=tmp_path / str(i) / "claude", sources=["claude-code"])
        acc = [a + b for a, b in zip(acc, claude_tuple(got))]
    assert tuple(acc) == TREE_MAX


def test_summary_only_file_gives_zero(tmp_path: Path, claude_samples: Path) -> None:
    rel = "-Users-dain-workspace-claude-code-log-sample/4e27c414-a885-46a0-b5c8-d58e1417377d.jsonl"
    copy_file(claude_samples / "projects" / rel, tmp_path / "claude" / "projects" / rel)
    summary, got = scan_once(tmp_path, claude=tmp_path / "claude")
    assert got["calls"] == 0
    assert summary.files_read == 1
    assert summary.lines_skipped == 0


def test_schema_fixtures_never_crash_and_synthetic_skipped(tmp_path: Path, claude_samples: Path) -> None:
    """schema-fixtures/ holds every line type seen in the wild; scanned as a project it must not crash."""
    import shutil

    shutil.copytree(claude_samples / "schema-fixtures", tmp_path / "claude" / "projects")
    summary, got = scan_once(tmp_path, claude=tmp_path / "claude")
    assert summary.problems == []
    assert summary.skipped.get("synthetic message (no API call)", 0) >= 1
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        models = {r[0] for r in ws.conn.execute("SELECT DISTINCT model FROM api_call")}
    finally:
        ws.close()
    assert "<synthetic>" not in models


def test_cli_daily_json_sums_to_tree(tmp_path: Path, claude_samples: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path, claude=claude_samples)
    rows = cli_json(capsys, "daily", "--source", "claude-code", "--tz", "UTC")
    sums = tuple(sum(r[k] for r in rows) for k in ("input_tokens", "output_tokens", "cache_write_tokens",
                                                   "cache_read_tokens"))
    assert sums == TREE_MAX
    assert sum(r["calls"] for r in rows) == TREE_KEYS
    # any time zone moves calls between days but never changes the totals
    rows_tokyo = cli_json(capsys, "daily", "--source", "claude-code", "--tz", "Asia/Tokyo", "--no-scan")
    assert sum(r["output_tokens"] for r in rows_tokyo) == TREE_MAX[1]


def test_subagent_model_attribution(tmp_path: Path, claude_samples: Path) -> None:
    """29ccd257: the sub-agent (haiku) and parent (opus) are attributed per line."""
    src = claude_samples / "projects" / "-src-experiments-claude_p"
    import shutil

    shutil.copytree(src, tmp_path / "claude" / "projects" / "p")
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        by_model = dict(ws.conn.execute(
            "SELECT model, sum(output) FROM api_call GROUP BY model").fetchall())
        sub = totals(ws.conn)
    finally:
        ws.close()
    assert any("haiku" in m for m in by_model), by_model
    assert any("opus" in m for m in by_model), by_model
    haiku = sum(v for m, v in by_model.items() if "haiku" in m)
    assert haiku == PER_FILE["-src-experiments-claude_p/29ccd257-68b1-427f-ae5f-6524b7cb6f20/subagents/"
                             "agent-a2271d1.jsonl"][2][1]
    assert sub["calls"] > PER_FILE["-src-experiments-claude_p/29ccd257-68b1-427f-ae5f-6524b7cb6f20/subagents/"
                                   "agent-a2271d1.jsonl"][1]
