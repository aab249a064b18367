"""`tokenpulse whatif`: re-pricing at another model's rates (tiers included), scopes, and the model facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, run_cli, write_lines
from tokenpulse.pricing.catalog import lookup
from tokenpulse.usage import ApiCall

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-5-20251101"

# (session, folder, model, input, cache_write, cache_read, output); all on 2026-03-01 UTC, a minute apart
CALLS = [
    ("chat-a", "/home/u/alpha", SONNET, 100, 2_000, 0, 10),
    ("chat-a", "/home/u/alpha", SONNET, 10, 500, 249_000, 20),  # context 249,510: sonnet's long-context tier
    ("chat-a", "/home/u/alpha", SONNET, 10, 0, 50_000, 500),
    ("chat-b", "/home/u/alpha/sub", SONNET, 40, 0, 1_000, 1_000),
    ("chat-c", "/home/u/beta", OPUS, 30, 300, 3_000, 5),
    ("chat-c", "/home/u/beta", OPUS, 30, 0, 3_300, 50),
    ("chat-d", "/home/u/beta", OPUS, 30, 0, 9_000, 5_000),
]


def _ts(k: int) -> str:
    return f"2026-03-01T10:{k:02d}:00.000Z"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    claude = tmp_path / "claude"
    for k, (session, folder, model, inp, cw, cr, out) in enumerate(CALLS):
        write_lines(claude / "projects" / session / f"{session}.jsonl",
                    [claude_line(msg_id=f"m{k}", req_id=f"r{k}", input=inp, cache_write=cw, cache_read=cr,
                                 output=out, model=model, ts=_ts(k), session=session, cwd=folder)], mode="a")
    cli_env(monkeypatch, tmp_path, claude=claude)
    return claude


def _expected(target: str, calls: list[tuple[str, str, str, int, int, int, int]]) -> float:
    rates = lookup(target, "2026-03-01")
    assert rates is not None
    return sum(rates.cost(ApiCall("claude-code", b"k", s, 0, m, input=i, cache_write_5m=cw, cache_read=cr,
                                  output=o)) for s, _, m, i, cw, cr, o in calls)


def _whatif(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli(capsys, "whatif", "--json", "--tz", "UTC", *args)
    assert code == 0, err
    return json.loads(out)


def test_reprices_every_call_at_the_targets_rates(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _whatif(capsys, "--model", "claude-haiku-4-5")
    rows = {r["model"]: r for r in got["models"]}
    sonnet = [c for c in CALLS if c[2] == SONNET]
    opus = [c for c in CALLS if c[2] == OPUS]
    assert rows[SONNET]["calls"] == 4 and rows[OPUS]["calls"] == 3
    assert rows[SONNET]["cache_read_tokens"] == sum(c[5] for c in sonnet)
    assert rows[SONNET]["output_tokens"] == 1_530 and rows[OPUS]["output_tokens"] == 5_055
    assert rows[SONNET]["whatif_cost_usd"] == pytest.approx(_expected("claude-haiku-4-5", sonnet), rel=1e-9)
    assert rows[OPUS]["whatif_cost_usd"] == pytest.approx(_expected("claude-haiku-4-5", opus), rel=1e-9)
    assert rows[SONNET]["cost_usd"] == pytest.approx(_expected(SONNET, sonnet), rel=1e-9)
    assert got["total"]["difference_usd"] == pytest.approx(
        _expected("claude-haiku-4-5", CALLS) - _expected(SONNET, sonnet) - _expected(OPUS, opus), rel=1e-6)
    assert "approximation" in got["approximation"].lower()


def test_a_tiered_target_bills_the_long_call_at_its_tier(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _whatif(capsys, "--model", "claude-sonnet-4-5")
    rows = {r["model"]: r for r in got["models"]}
    opus = [c for c in CALLS if c[2] == OPUS]
    assert rows[OPUS]["whatif_cost_usd"] == pytest.approx(_expected("claude-sonnet-4-5", opus), rel=1e-9)
    # on its own model's rates, re-pricing reproduces the stored cost, the tiered call included
    assert rows[SONNET]["whatif_cost_usd"] == pytest.approx(rows[SONNET]["cost_usd"], rel=1e-9)
    assert rows[SONNET]["difference_usd"] == pytest.approx(0.0, abs=1e-9)
    flat = 3.0 * 10 + 3.75 * 500 + 0.3 * 249_000 + 15.0 * 20  # what the long call would cost without its tier
    assert rows[SONNET]["whatif_cost_usd"] > _expected("claude-sonnet-4-5", [CALLS[0], CALLS[2], CALLS[3]]) \
        + flat / 1e6


def test_a_project_and_a_chat(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _whatif(capsys, "--model", "claude-haiku-4-5", "--project", "/home/u/alpha/")
    assert [(r["model"], r["calls"]) for r in project["models"]] == [(SONNET, 4)]  # the sub-folder included
    assert project["scope"].startswith("project /home/u/alpha,")
    chat = _whatif(capsys, "--model", "claude-haiku-4-5", "--chat", "chat-c")
    assert [(r["model"], r["calls"]) for r in chat["models"]] == [(OPUS, 2)]
    by_prefix = _whatif(capsys, "--model", "claude-haiku-4-5", "--chat", "chat-d")
    assert by_prefix["total"]["calls"] == 1


def test_model_facts_and_light_chats_on_the_dearest(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _whatif(capsys, "--model", "claude-haiku-4-5")
    facts = {f["model"]: f for f in got["model_facts"]}
    assert facts[SONNET]["small_output_calls"] == 2 and facts[SONNET]["median_output_tokens"] == 260.0
    assert facts[OPUS]["small_output_calls"] == 2 and facts[OPUS]["median_output_tokens"] == 50.0
    assert facts[OPUS]["small_output_share"] == pytest.approx(2 / 3, abs=1e-4)
    per = facts[OPUS]["cost_per_output_token"]
    assert per["output_tokens"] == 5_055 and per["value"] == pytest.approx(per["cost_usd"] / 5_055, rel=1e-6)
    assert got["dearest_model"] == OPUS
    assert [(c["session"], c["calls"], c["small_output_calls"]) for c in got["light_chats_on_dearest_model"]] == [
        ("chat-c", 2, 2)]
    wider = _whatif(capsys, "--model", "claude-haiku-4-5", "--small-output", "5000")
    assert {c["session"] for c in wider["light_chats_on_dearest_model"]} == {"chat-c", "chat-d"}


def test_table_says_it_is_an_approximation(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "whatif", "--model", "claude-haiku-4-5", "--tz", "UTC")
    assert code == 0, err
    assert "An approximation" in out and "What-if cost" in out and "Median output" in out
    assert "Chats on claude-opus-4-5-20251101" in out


def test_unknown_model_and_chat_are_clear_errors(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "whatif", "--model", "clade-haiku-4-5", "--tz", "UTC")
    assert code == 2 and "no price is known offline" in err and "claude-haiku-4-5" in err
    code, _, err = run_cli(capsys, "whatif", "--model", "claude-haiku-4-5", "--chat", "chat-")
    assert code == 2 and "matches 4 chats" in err
    code, _, err = run_cli(capsys, "whatif", "--model", "claude-haiku-4-5", "--chat", "nope\x1b[31m")
    assert code == 2 and "\x1b" not in err
