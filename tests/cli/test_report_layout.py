"""How the reports read: one row per period (and `--breakdown`), sessions folded with full ids, 80 columns by
default (`--wide`: every column, exact counts), colour only on a terminal and never with NO_COLOR, one wording
for an unknown price, `--week-start`, and `--help` listing the reports first."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import (
    CLAUDE_MODEL,
    claude_line,
    cli_env,
    cli_json,
    codex_file,
    codex_tc,
    codex_turn,
    run_cli,
    usage,
    write_lines,
)

P = "claude/projects/-home-u-proj"
SID = "11111111-2222-4333-8444-555555555555"
LONG = "/home/u/a-very-long-folder-name-for-a-project/with/nested/sub-folders/that-goes-on"
ANSI = re.compile("\x1b\\[[0-9;]*m")
DAYS = ("2026-03-02", "2026-03-03", "2026-03-04")


def _line(k: int, **kw: object) -> str:
    base: dict[str, object] = {"msg_id": f"m{k}", "req_id": f"r{k}", "output": 1_000 + k, "input": 5,
                               "cache_read": 20_000 * (k + 1), "session": SID}
    base.update(kw)
    return claude_line(**base)  # type: ignore[arg-type]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude", codex=tmp_path / "codex")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    lines = [_line(k, ts=f"{DAYS[k % 3]}T10:{k:02d}:00.000Z", cwd=LONG) for k in range(6)]
    write_lines(tmp_path / P / f"{SID}.jsonl", lines)
    write_lines(tmp_path / P / SID / "subagents" / "agent-abc123.jsonl",
                [_line(50, ts=f"{DAYS[0]}T11:00:00.000Z", sidechain=True, agent_id="abc123", cwd=LONG,
                       model="claude-haiku-4-5-20251001")])
    write_lines(codex_file(tmp_path / "codex"), [codex_turn(f"{DAYS[1]}T09:00:00Z"),
                                                 codex_tc(f"{DAYS[1]}T09:00:01Z", usage(900, 600, 70),
                                                          usage(900, 600, 70))])
    return tmp_path


def _widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


@pytest.mark.parametrize("command", ["daily", "weekly", "monthly", "sessions", "projects"])
def test_default_tables_fit_80_columns_and_wide_shows_more(env: Path, capsys: pytest.CaptureFixture[str],
                                                           command: str) -> None:
    code, out, err = run_cli(capsys, command, "--tz", "UTC")
    assert code == 0, err
    assert max(_widths(out)) <= 80, out
    assert ANSI.search(out) is None  # not a terminal: no colour
    for extra in ([], ["--breakdown", "model"], ["--breakdown", "agent"]) if command in ("daily", "weekly") else []:
        assert max(_widths(run_cli(capsys, command, "--tz", "UTC", "--no-scan", *extra)[1])) <= 80
    code, wide, _ = run_cli(capsys, command, "--tz", "UTC", "--no-scan", "--wide")
    assert code == 0
    assert "Reasoning" in wide and "Waste tokens" in wide and "Calls" in wide
    assert re.search(r"\b\d{1,3}(,\d{3})+\b", wide)  # counts in full


def test_periods_show_one_row_each_and_a_breakdown_on_request(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(capsys, "daily", "--tz", "UTC")[1]
    rows = [line for line in out.splitlines() if re.match(r"\d{4}-\d{2}-\d{2}\s", line)]
    assert [r.split()[0] for r in rows] == list(DAYS)  # one row per day, codex and claude together
    assert "└" not in out
    agents = run_cli(capsys, "daily", "--tz", "UTC", "--no-scan", "--breakdown", "agent")[1]
    assert "└ Claude Code" in agents and "└ Codex" in agents
    day2 = agents.split(DAYS[1], 1)[1].split(DAYS[2], 1)[0]
    assert "└ Claude Code" in day2 and "└ Codex" in day2
    models = run_cli(capsys, "daily", "--tz", "UTC", "--no-scan", "--breakdown", "model")[1]
    assert "└ claude-sonnet-4-5" in models and "└ claude-haiku-4-5" in models  # snapshot dates left out
    monthly = run_cli(capsys, "monthly", "--tz", "UTC", "--no-scan")[1]
    assert len([line for line in monthly.splitlines() if line.startswith("2026-03")]) == 1
    total = next(line for line in monthly.splitlines() if line.startswith("Total"))
    assert total.split()[1:] == next(line for line in monthly.splitlines() if line.startswith("2026-03")).split()[1:]


def test_breakdown_and_per_row_json_do_not_mix(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "daily", "--json", "--group", "model", "--breakdown", "agent")
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("tokenpulse: ")


def test_sessions_fold_sub_agents_and_show_full_ids(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(capsys, "sessions", "--tz", "UTC")[1]
    lines = out.splitlines()
    assert f"  {SID}" in lines  # whole, on a line of its own: ready for `claude --resume`
    head = lines[lines.index(f"  {SID}") - 1]
    assert "Claude Code (+1)" in head
    assert "└ sub-agent" in lines[lines.index(f"  {SID}") + 1]
    rows = cli_json(capsys, "sessions", "--tz", "UTC", "--no-scan")
    keys = [r["session"] for r in rows]
    assert keys.index(f"{SID}:abc123") == keys.index(SID) + 1  # the family together in JSON too
    assert rows[keys.index(f"{SID}:abc123")]["parent_session"] == SID
    sub = rows[keys.index(f"{SID}:abc123")]
    parent = rows[keys.index(SID)]
    family_output = f"{(parent['output_tokens'] + sub['output_tokens']) / 1000:.1f}k"
    assert family_output in head  # the parent's row carries its sub-agents' figures, as the charts' does
    wide = run_cli(capsys, "sessions", "--tz", "UTC", "--no-scan", "--wide")[1]
    assert "└ sub-agent" in wide and f"{SID}:abc123" in wide and LONG in wide


def test_a_parent_outside_the_window_leaves_its_sub_agent_listed_alone(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    write_lines(tmp_path / P / f"{SID}.jsonl", [_line(1, ts="2026-03-01T10:00:00.000Z")])
    write_lines(tmp_path / P / SID / "subagents" / "agent-abc123.jsonl",
                [_line(2, ts="2026-03-02T10:00:00.000Z", sidechain=True, agent_id="abc123")])
    rows = cli_json(capsys, "sessions", "--tz", "UTC", "--since", "2026-03-02")
    assert [(r["session"], r["parent_session"]) for r in rows] == [(f"{SID}:abc123", SID)]
    out = run_cli(capsys, "sessions", "--tz", "UTC", "--since", "2026-03-02", "--no-scan")[1]
    assert f"  {SID}:abc123" in out.splitlines()


def test_colour_on_request_and_never_with_no_color(env: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    coloured = run_cli(capsys, "daily", "--tz", "UTC", "--color", "always")[1]
    assert "\x1b[1m" in coloured  # the header, the output column and the totals are bold
    assert ANSI.sub("", coloured) == run_cli(capsys, "daily", "--tz", "UTC", "--no-scan")[1]  # same layout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(run_cli(capsys, "daily", "--no-scan")[1])
    monkeypatch.setenv("NO_COLOR", "1")
    assert ANSI.search(run_cli(capsys, "daily", "--no-scan")[1]) is None
    assert ANSI.search(run_cli(capsys, "daily", "--no-scan", "--color", "always")[1])  # asked for in so many words


def test_colour_follows_the_terminal() -> None:
    from tokenpulse.cli.style import wants_color

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_color(Tty(), "auto", {}) is True
    assert wants_color(io.StringIO(), "auto", {}) is False  # piped or redirected
    assert wants_color(Tty(), "auto", {"NO_COLOR": "1"}) is False
    assert wants_color(Tty(), "auto", {"TERM": "dumb"}) is False
    assert wants_color(Tty(), "never", {}) is False


def test_one_wording_for_an_unknown_price(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_lines(env / P / "acme.jsonl", [_line(70, model="acme-private-model-9", session="acme-1",
                                               ts=f"{DAYS[2]}T12:00:00.000Z")])
    for command in ("daily", "sessions", "projects", "weekly"):
        out = run_cli(capsys, command, "--tz", "UTC")[1]
        assert "unknown" not in out.lower().replace("unknown folder", ""), out
    sessions = run_cli(capsys, "sessions", "--tz", "UTC", "--no-scan")[1].splitlines()
    assert "no price" in sessions[sessions.index("  acme-1") - 1]
    daily = run_cli(capsys, "daily", "--tz", "UTC", "--no-scan")[1]
    assert re.search(r"\$[\d.,]+\+", next(line for line in daily.splitlines() if line.startswith(DAYS[2])))
    assert re.search(r"\$[\d.,]+\+", next(line for line in daily.splitlines() if line.startswith("Total")))
    assert not re.search(r"\$[\d.,]+\+", next(line for line in daily.splitlines() if line.startswith(DAYS[0])))


def test_status_text_names_no_missing_folder_and_says_no_price() -> None:
    from tokenpulse.cli.status_text import render

    chat = {"agent": "Codex", "project": None, "context_tokens": 120_000, "cost_per_message_usd": None,
            "first_message_cost_usd": None, "waste_tokens": 4_000, "reread_tokens": 120_000,
            "reread_cost_usd": None, "fresh_chat_reread_tokens": 14_000, "fresh_chat_reread_cost_usd": None}
    text = render({"live_chats": [chat], "spend": {"day_usd": 1.0, "week_usd": 2.0, "month_usd": 3.0}, "due": []})
    assert text.startswith("Codex: context 120k tokens, re-reads no price/message (a fresh chat 14k),")
    assert " :" not in text and "unknown" not in text
    chat["project"] = "/home/u/proj"
    assert render({"live_chats": [chat], "spend": {"day_usd": 1.0, "week_usd": 2.0, "month_usd": 3.0},
                   "due": []}).startswith("Codex /home/u/proj: context")


def test_help_lists_the_reports_first_and_says_when_weeks_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    listed = re.findall(r"^    (\w+)\s", out.split("commands:", 1)[1], flags=re.MULTILINE)
    assert listed[:5] == ["daily", "weekly", "monthly", "sessions", "projects"]
    assert {"status", "whatif", "scan", "backup", "restore", "forget", "desktop"} <= set(listed[5:])
    assert "Weeks start on Monday" in " ".join(out.split())
    weekly = " ".join(run_cli(capsys, "weekly", "--help")[1].split())
    assert "--week-start" in weekly and "Monday" in weekly and "--breakdown" in weekly and "--wide" in weekly


def test_week_start_moves_the_weeks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    # Sunday 1 March and Monday 2 March 2026
    write_lines(tmp_path / P / "s.jsonl", [_line(1, ts="2026-03-01T10:00:00.000Z"),
                                           _line(2, ts="2026-03-02T10:00:00.000Z")])
    monday = {r["week"]: r["calls"] for r in cli_json(capsys, "weekly", "--tz", "UTC")}
    sunday = {r["week"]: r["calls"] for r in cli_json(capsys, "weekly", "--tz", "UTC", "--week-start", "sunday")}
    saturday = {r["week"]: r["calls"] for r in cli_json(capsys, "weekly", "--tz", "UTC", "--week-start", "Sat")}
    assert monday == {"2026-02-23": 1, "2026-03-02": 1}
    assert sunday == {"2026-03-01": 2}
    assert saturday == {"2026-02-28": 2}
    code, _, err = run_cli(capsys, "weekly", "--week-start", "someday")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "monday" in err


def test_status_week_follows_week_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from tokenpulse.clock import WEEKDAY_NAMES

    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    now = datetime.now(timezone.utc)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = midnight + timedelta(seconds=1)
    yesterday = midnight - timedelta(hours=12)
    iso = "%Y-%m-%dT%H:%M:%S.000Z"
    write_lines(tmp_path / P / "s.jsonl", [_line(1, ts=today.strftime(iso)), _line(2, ts=yesterday.strftime(iso))])
    data = cli_json(capsys, "status", "--week-start", WEEKDAY_NAMES[now.weekday()])
    only_today = data["spend"]["week_usd"]
    assert only_today == pytest.approx(data["spend"]["day_usd"]) and only_today > 0
    both = cli_json(capsys, "status", "--no-scan", "--week-start", WEEKDAY_NAMES[yesterday.weekday()])["spend"]
    assert both["week_usd"] > only_today * 1.5
    assert both["week_start"] == WEEKDAY_NAMES[yesterday.weekday()] or yesterday.weekday() == 0
    text = run_cli(capsys, "status", "--no-scan", "--week-start", WEEKDAY_NAMES[(now.weekday() + 1) % 7 or 1])[1]
    assert "this week (from" in text


def test_hostile_names_stay_escaped_in_the_new_views(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    evil_model, evil_cwd = "claude-\x1b[2J\u202e-model", "/home/u/\x1b]52;c;QQ==\x07\u202eproj"
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    write_lines(tmp_path / P / "s.jsonl", [_line(1, model=evil_model, cwd=evil_cwd, session="s-\x1b[1A\u202e"),
                                           _line(2, model=CLAUDE_MODEL, cwd=evil_cwd, session="s-\x1b[1A\u202e")])
    raw = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    for args in (["daily", "--breakdown", "model"], ["daily", "--wide"], ["sessions"], ["sessions", "--wide"],
                 ["projects"], ["projects", "--wide"], ["daily", "--json", "--group", "period"],
                 ["whatif", "--model", CLAUDE_MODEL], ["whatif", "--model", CLAUDE_MODEL, "--json"]):
        code, out, err = run_cli(capsys, *args, "--color", "always") if "whatif" not in args else \
            run_cli(capsys, *args)
        assert code == 0, err
        assert raw.search(ANSI.sub("", out)) is None, (args, out)
    assert "\\u202e" in run_cli(capsys, "whatif", "--model", CLAUDE_MODEL, "--no-scan")[1]
