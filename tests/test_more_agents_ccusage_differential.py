"""Differential tests for the agents added from ccusage's list (Amp, pi, OpenClaw, Kimi, Droid, Goose, Hermes,
Kilo CLI): daily totals per model of tokenpulse and the real ccusage@20.0.24 on the team's fixtures
(tests/agent_fixtures), equal, or different only as each source README's "Where tokenpulse differs" says."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_ccusage import Totals, ccusage_daily, tokenpulse_daily

FIXTURES = Path(__file__).resolve().parent / "agent_fixtures"

pytestmark = pytest.mark.slow


def _both(agent: str, source: str, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[Totals, Totals]:
    theirs = ccusage_daily(agent, tmp_path / "ccusage-home", env)
    ours = tokenpulse_daily(source, tmp_path, env, capsys, monkeypatch)
    return ours, theirs


def _db(script: str, target: Path) -> None:
    import sqlite3

    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target)
    conn.executescript((FIXTURES / script).read_text(encoding="utf-8"))
    conn.commit()
    conn.close()


def _unprefixed(totals: Totals, prefix: str) -> Totals:
    return {(day, model.removeprefix(prefix)): v for (day, model), v in totals.items()}


def test_amp_equals_ccusage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = _both("amp", "amp", {"AMP_DATA_DIR": str(FIXTURES / "amp")}, tmp_path, capsys, monkeypatch)
    assert ours == theirs
    assert ours[("2026-01-02", "claude-sonnet-4-5-20250929")] == (42, 2500, 2100, 460)


def test_pi_equals_ccusage_but_for_its_model_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"PI_AGENT_DIR": str(FIXTURES / "pi" / "sessions")}
    ours, theirs = _both("pi", "pi-agent", env, tmp_path, capsys, monkeypatch)
    # ccusage names pi's models `[pi] <model>`; we keep the model as logged, so that it is priced
    assert ours == _unprefixed(theirs, "[pi] ")
    assert ours[("2026-01-06", "gpt-5")] == (2100, 0, 11800, 350)


def test_pi_fork_differs_by_the_copied_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"PI_AGENT_DIR": str(FIXTURES / "pi_fork" / "sessions")}
    ours, theirs = _both("pi", "pi-agent", env, tmp_path, capsys, monkeypatch)
    # a forked session repeats its parent's first answer (12 / 3100 / 0 / 480) in its own file: ccusage counts
    # it again, we count that call once
    copied = (12, 3100, 0, 480)
    day = ("2026-01-05", "claude-sonnet-4-5")
    expected = dict(ours)
    expected[day] = tuple(a + b for a, b in zip(ours[day], copied))  # type: ignore[assignment]
    assert expected == _unprefixed(theirs, "[pi] ")


def test_openclaw_equals_ccusage_but_for_its_model_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = _both("openclaw", "openclaw", {"OPENCLAW_DIR": str(FIXTURES / "openclaw")}, tmp_path, capsys,
                         monkeypatch)
    assert ours == _unprefixed(theirs, "[openclaw] ")
    assert ours[("2026-01-07", "gpt-5.2")] == (1660, 0, 108928, 55)


def test_kimi_equals_ccusage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"KIMI_DATA_DIR": f"{FIXTURES / 'kimi' / 'home-a'},{FIXTURES / 'kimi' / 'home-b'}"}
    ours, theirs = _both("kimi", "kimi", env, tmp_path, capsys, monkeypatch)
    assert ours == theirs
    assert ours[("2026-01-10", "kimi-for-coding")] == (5100, 0, 5000, 600)


def test_droid_differs_only_by_thinking_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"DROID_SESSIONS_DIR": str(FIXTURES / "droid" / "sessions")}
    ours, theirs = _both("droid", "droid", env, tmp_path, capsys, monkeypatch)
    # ccusage keeps thinkingTokens out of output (it prices them as output all the same); we count them in it
    thinking = {("2026-01-16", "claude-sonnet-4-5"): 800}
    assert {k: (i, w, r, o - thinking.get(k, 0)) for k, (i, w, r, o) in ours.items()} == theirs
    assert ours[("2026-01-16", "claude-sonnet-4-5")] == (2100, 30000, 410000, 6200)


def test_goose_equals_ccusage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    _db("goose/sessions.sql", tmp_path / "goose" / "data" / "sessions" / "sessions.db")
    ours, theirs = _both("goose", "goose", {"GOOSE_PATH_ROOT": str(tmp_path / "goose")}, tmp_path, capsys,
                         monkeypatch)
    assert ours == theirs
    assert ours[("2026-01-11", "claude-sonnet-4-5")] == (52000, 0, 0, 3100)


def test_hermes_equals_ccusage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    _db("hermes/state.sql", tmp_path / "hermes" / "state.db")
    ours, theirs = _both("hermes", "hermes", {"HERMES_HOME": str(tmp_path / "hermes")}, tmp_path, capsys,
                         monkeypatch)
    assert ours == theirs
    assert ours[("2026-01-13", "claude-sonnet-4-5")] == (1200, 18000, 250000, 3000)


def test_kilo_differs_only_by_reasoning(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _db("kilo/kilo.sql", tmp_path / "kilo" / "kilo.db")
    ours, theirs = _both("kilo", "kilo", {"KILO_DATA_DIR": str(tmp_path / "kilo")}, tmp_path, capsys, monkeypatch)
    # as for OpenCode: ccusage leaves `tokens.reasoning` out of output, which Kilo bills as output on top
    reasoning = {("2026-01-15", "anthropic/claude-sonnet-4.5"): 5}
    assert {k: (i, w, r, o - reasoning.get(k, 0)) for k, (i, w, r, o) in ours.items()} == theirs
    assert ours[("2026-01-15", "anthropic/claude-sonnet-4.5")] == (140, 920, 12010, 355)
