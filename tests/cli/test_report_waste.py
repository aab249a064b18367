"""Long-chat waste in `daily`, `sessions` and `projects` (tables and JSON): each call's context beyond its chat's
fresh floor F and recap allowance R, priced at the cache-read rate the call was billed at (a long-context tier
included); the waste share is waste cost / cost of the same calls. Expected values are worked out here from
the contexts written into the logs and the price list, not from the code under test."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from helpers import CLAUDE_MODEL, claude_line, cli_env, cli_json, run_cli, write_lines

P = "claude/projects/-home-u-proj"
SID = "11111111-2222-4333-8444-555555555555"
OTHER = "99999999-2222-4333-8444-555555555555"
R = 5_000  # the default recap allowance
DAY1, DAY2 = "2026-03-02", "2026-03-03"


def _chat(root: Path, sid: str, contexts: list[int], day: str, *, sub: str | None = None, first_minute: int = 0,
          model: str = CLAUDE_MODEL, cwd: str = "/home/u/proj", tag: str = "") -> None:
    """A chat (or a sub-agent chat `sub` of `sid`) whose calls read these contexts, a minute apart."""
    lines = [claude_line(msg_id=f"{sid}{sub}{tag}{k}", req_id=f"r{sid}{sub}{tag}{k}", input=5, cache_write=0,
                         cache_read=ctx - 5, output=10 + k, session=sid, model=model, cwd=cwd,
                         ts=f"{day}T10:{first_minute + k:02d}:00.000Z", sidechain=sub is not None, agent_id=sub)
             for k, ctx in enumerate(contexts)]
    name = f"{sid}{tag}.jsonl" if sub is None else f"{sid}/subagents/agent-{sub}.jsonl"
    write_lines(root / P / name, lines, mode="a")


def _price(model: str, day: str, context: int) -> float:
    from tokenpulse.pricing.catalog import lookup

    rates = lookup(model, day)
    assert rates is not None
    return rates.cache_read_at(context)


def _waste(contexts: list[int], floor: int, day: str, model: str = CLAUDE_MODEL) -> tuple[int, float]:
    tokens = [max(0, c - floor - R) for c in contexts]
    return sum(tokens), sum(w * _price(model, day, c) for w, c in zip(tokens, contexts))


PARENT1 = [10_000, 30_000, 60_000, 90_000]  # day 1
PARENT2 = [120_000, 150_000]  # day 2, same chat: F stays 10,000
SUB = [8_000, 20_000, 40_000]  # a sub-agent chat on day 1: its own F
SOLO = [50_000, 52_000, 70_000]  # another folder, day 2


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    _chat(tmp_path, SID, PARENT1, DAY1)
    _chat(tmp_path, SID, PARENT2, DAY2, tag="-b")
    _chat(tmp_path, SID, SUB, DAY1, sub="abc", first_minute=30)
    _chat(tmp_path, OTHER, SOLO, DAY2, cwd="/home/u/other", first_minute=40)
    return tmp_path


def test_the_reports_show_each_calls_waste_at_its_price(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parent1 = _waste(PARENT1, PARENT1[0], DAY1)
    parent2 = _waste(PARENT2, PARENT1[0], DAY2)
    sub = _waste(SUB, SUB[0], DAY1)
    solo = _waste(SOLO, SOLO[0], DAY2)
    assert parent1[0] == 0 + 15_000 + 45_000 + 75_000 and solo[0] == 15_000  # worked by hand

    sessions = {r["session"]: r for r in cli_json(capsys, "sessions", "--tz", "UTC")}
    assert set(sessions) == {SID, f"{SID}:abc", OTHER}
    for key, (tokens, cost) in {SID: (parent1[0] + parent2[0], parent1[1] + parent2[1]), f"{SID}:abc": sub,
                                OTHER: solo}.items():
        row = sessions[key]
        assert row["waste_tokens"] == tokens
        assert row["waste_cost_usd"] == pytest.approx(cost, abs=2e-6)
        assert row["waste_share"] == pytest.approx(row["waste_cost_usd"] / row["cost_usd"], abs=1e-4)
        assert 0 < row["waste_share"] < 1

    days = {}
    for r in cli_json(capsys, "daily", "--tz", "UTC"):
        days.setdefault(r["date"], []).append(r)
    assert {d: sum(r["waste_tokens"] for r in rows) for d, rows in days.items()} == \
        {DAY1: parent1[0] + sub[0], DAY2: parent2[0] + solo[0]}
    assert sum(r["waste_cost_usd"] for r in days[DAY2]) == pytest.approx(parent2[1] + solo[1], abs=2e-6)

    projects = {r["project"]: r for r in cli_json(capsys, "projects", "--tz", "UTC")}
    assert projects["/home/u/other"]["waste_tokens"] == solo[0] and projects["/home/u/other"]["chats"] == 1
    assert projects["/home/u/proj"]["waste_tokens"] == parent1[0] + parent2[0] + sub[0]
    assert projects["/home/u/proj"]["chats"] == 2


def test_every_report_adds_up_to_the_stored_chat_figures(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Over the whole history, the per-call sums equal the per-chat figures the store keeps (chat_stats)."""
    data = env / "data"
    reports = {cmd: cli_json(capsys, cmd, *extra) for cmd, extra in (
        ("daily", ()), ("weekly", ()), ("monthly", ()), ("sessions", ()), ("projects", ()),
        ("daily", ("--group", "period")))}
    conn = sqlite3.connect(data / "tokenpulse.sqlite3")
    tokens, cost = conn.execute("SELECT sum(waste_tokens), sum(waste_cost_usd) FROM chat_stats").fetchone()
    conn.close()
    for name, rows in reports.items():
        assert sum(r["waste_tokens"] for r in rows) == tokens, name
        assert sum(r["waste_cost_usd"] for r in rows) == pytest.approx(cost, abs=1e-5), name


def test_a_window_counts_its_own_calls_against_the_chats_first_call(env: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r["session"]: r for r in cli_json(capsys, "sessions", "--since", DAY2, "--tz", "UTC")}
    assert set(rows) == {SID, OTHER}
    tokens, cost = _waste(PARENT2, PARENT1[0], DAY2)  # F is the chat's first call, on day 1
    assert (rows[SID]["calls"], rows[SID]["waste_tokens"]) == (2, tokens)
    assert rows[SID]["waste_cost_usd"] == pytest.approx(cost, abs=2e-6)
    assert rows[SID]["waste_share"] == pytest.approx(cost / rows[SID]["cost_usd"], abs=1e-4)


def test_waste_above_a_long_context_tier_is_priced_at_the_tier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A chat whose calls straddle the >200k tier: those above pay the tier's cache-read rate."""
    contexts = [10_000, 150_000, 250_000, 300_000]
    assert _price(CLAUDE_MODEL, DAY1, 250_000) > _price(CLAUDE_MODEL, DAY1, 150_000)  # the tier exists
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    _chat(tmp_path, SID, contexts, DAY1)
    _chat(tmp_path, OTHER, [10_000, 100_000], DAY1, first_minute=30)  # below the tier, same model/day
    tokens, cost = _waste(contexts, contexts[0], DAY1)
    base = sum(max(0, c - contexts[0] - R) for c in contexts) * _price(CLAUDE_MODEL, DAY1, 0)
    assert cost - base > 0.01  # the test can tell the two apart
    rows = {r["session"]: r for r in cli_json(capsys, "sessions", "--tz", "UTC")}
    assert rows[SID]["waste_tokens"] == tokens
    assert rows[SID]["waste_cost_usd"] == pytest.approx(cost, abs=2e-6)
    other = _waste([10_000, 100_000], 10_000, DAY1)
    assert rows[OTHER]["waste_cost_usd"] == pytest.approx(other[1], abs=2e-6)
    day = cli_json(capsys, "daily", "--tz", "UTC")
    assert [r["waste_cost_usd"] for r in day] == [pytest.approx(cost + other[1], abs=2e-6)]


def test_waste_of_a_model_without_price(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    _chat(tmp_path, SID, [10_000, 40_000], DAY1, model="acme-private-model-9")
    _chat(tmp_path, OTHER, [10_000, 40_000], DAY1, first_minute=30)
    rows = {r["session"]: r for r in cli_json(capsys, "sessions", "--tz", "UTC")}
    assert (rows[SID]["waste_tokens"], rows[SID]["waste_cost_usd"], rows[SID]["waste_share"],
            rows[SID]["cost_usd"]) == (25_000, None, None, None)
    assert rows[OTHER]["waste_cost_usd"] == pytest.approx(25_000 * _price(CLAUDE_MODEL, DAY1, 40_000))
    code, out, err = run_cli(capsys, "daily", "--tz", "UTC", "--no-scan")
    assert code == 0, err
    day_row = next(line for line in out.splitlines() if line.startswith(DAY1))
    cost_cell, waste_cell = day_row.split()[5:7]
    assert cost_cell.endswith("+") and waste_cell.endswith("+")  # lower bounds: one model has no price
    assert "No price for acme-private-model-9" in out
    code, out, err = run_cli(capsys, "sessions", "--tz", "UTC", "--no-scan")
    acme = out.splitlines()[out.splitlines().index(f"  {SID}") - 1]
    assert "no price" in acme and "unknown" not in out


@pytest.mark.parametrize("tier_in_the_cache", [True, False])
def test_the_window_waste_sums_each_group_once_when_some_straddle_a_tier(tmp_path: Path,
                                                                         tier_in_the_cache: bool) -> None:
    """Unit level, with rates of our own: a model with a tier at 50k on day 1 (none on day 2), chats below and
    across it. When the store's rate cache knows that tier, the one pass splits the calls by it; when it does
    not (an override, an older store), the model's waste is summed again per tier in a second pass. Either
    way each call is counted once, at its own rate."""
    from helpers import make_workspace
    from tokenpulse.insights.window_waste import figures_by, waste_by
    from tokenpulse.pricing.rates import Rates
    from tokenpulse.store.queries import Filter

    tiered = Rates(input=(1.0, ()), cache_write_5m=(1.0, ()), cache_write_1h=(1.0, ()),
                   cache_read=(1.0, ((50_000, 3.0),)), output=(1.0, ()))
    flat = Rates.flat(1.0, 1.0, cache_read=1.0)

    class Fixed:
        def rates(self, model: str, day: str) -> Rates | None:
            return None if model != CLAUDE_MODEL else tiered if day == DAY1 else flat

    _chat(tmp_path, SID, [1_000, 20_000, 40_000], DAY1)  # below the tier
    _chat(tmp_path, OTHER, [1_000, 30_000, 60_000, 90_000], DAY1, first_minute=20)  # across it
    _chat(tmp_path, "later", [1_000, 80_000], DAY2)  # no tier that day
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        if tier_in_the_cache:
            with ws.conn:
                ws.conn.execute("UPDATE model_price SET rates = ? WHERE day = ?", (tiered.to_json(), DAY1))
        got = waste_by(ws.conn, Filter(), ["c.session_id"], Fixed())
        calls = {k: g.figures.totals.calls for k, g in figures_by(ws.conn, Filter(), ["c.session_id"],
                                                                  Fixed()).items()}
        ids = dict(ws.conn.execute("SELECT session_key, id FROM chat_session"))
    finally:
        ws.close()
    below = [max(0, c - 1_000 - R) for c in (1_000, 20_000, 40_000)]
    across = [(max(0, c - 1_000 - R), c) for c in (1_000, 30_000, 60_000, 90_000)]
    assert got[(ids[SID],)].tokens == sum(below)
    assert got[(ids[SID],)].cost_usd == pytest.approx(sum(below) * 1e-6)
    assert got[(ids[OTHER],)].tokens == sum(w for w, _ in across)
    assert got[(ids[OTHER],)].cost_usd == pytest.approx(sum(w * (3e-6 if c > 50_000 else 1e-6) for w, c in across))
    assert got[(ids["later"],)].cost_usd == pytest.approx((80_000 - 1_000 - R) * 1e-6)
    assert calls == {(ids[SID],): 3, (ids[OTHER],): 4, (ids["later"],): 2}


def test_reports_write_nothing_not_even_the_rate_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Only the writer writes: with --no-scan the store's bytes stay as they are, even when its rate cache lacks
    a model and day the report prices (a store scanned by an older release)."""
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    _chat(tmp_path, SID, [10_000, 40_000, 90_000], DAY1)
    _chat(tmp_path, OTHER, [10_000, 30_000], DAY2, model="claude-haiku-4-5-20251001")
    assert run_cli(capsys, "scan")[0] == 0
    db = tmp_path / "data" / "tokenpulse.sqlite3"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM model_price WHERE day = ?", (DAY1,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    files = [db, db.with_name(db.name + "-wal")]
    before = [f.read_bytes() if f.exists() else None for f in files]
    for report in ("daily", "sessions", "projects", "weekly"):
        for extra in ((), ("--json",)):
            code, _, err = run_cli(capsys, report, "--no-scan", *extra)
            assert code == 0, err
    assert [f.read_bytes() if f.exists() else None for f in files] == before
    rows = {r["session"]: r for r in cli_json(capsys, "sessions", "--no-scan")}
    assert rows[SID]["waste_cost_usd"] == pytest.approx(_waste([10_000, 40_000, 90_000], 10_000, DAY1)[1], abs=2e-6)


def test_group_period_json_sums_the_rows(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = cli_json(capsys, "daily", "--tz", "UTC")
    periods = cli_json(capsys, "daily", "--tz", "UTC", "--group", "period", "--breakdown", "agent")
    assert [p["date"] for p in periods] == [DAY1, DAY2]
    for p in periods:
        mine = [r for r in rows if r["date"] == p["date"]]
        for key in ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
                    "waste_tokens"):
            assert p[key] == sum(r[key] for r in mine)
        assert p["sources"] == ["claude-code"] and p["models"] == [CLAUDE_MODEL]
        assert [b["source"] for b in p["breakdown"]] == ["claude-code"]
        assert p["breakdown"][0]["output_tokens"] == p["output_tokens"]
    plain = json.loads(json.dumps(cli_json(capsys, "daily", "--tz", "UTC", "--group", "period")))
    assert all("breakdown" not in p for p in plain)
