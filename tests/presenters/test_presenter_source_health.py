"""Source health in words and JSON: the state of each agent, the folders and what chose them, the JSON shape,
escaped folder names and skip reasons, and the went-quiet lines of the summary and the tray menu."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from presenters.factories import NOW, make_snapshot
from tokenpulse.config.settings import Settings
from tokenpulse.insights.source_health import QuietSource, SourceFacts
from tokenpulse.presenters import text
from tokenpulse.presenters.first_run import SETTINGS_PLACE, looked_in
from tokenpulse.presenters.source_health import build_reports, detail_lines, report_json, report_lines
from tokenpulse.sources import registry
from tokenpulse.store.health import HealthRow
from tokenpulse.untrusted_text import json_text

HOME = Path("/home/u")
UTC = ZoneInfo("UTC")
HOUR = 3_600_000
HOSTILE = "bad \x1b]52;c;AAAA\x07 <img src=x> \u202eline"


def _reports(facts: dict[str, SourceFacts], existing: set[Path] = frozenset(), settings: Settings | None = None,
             env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    looked = looked_in(settings or Settings(), env or {}, HOME)
    return {r.name: r for r in build_reports(looked, facts, lambda p: "exists" if p in existing else "missing")}


def test_every_registered_source_gets_a_report_in_the_registrys_order() -> None:
    reports = build_reports(looked_in(Settings(), {}, HOME), {}, lambda p: "missing")
    assert [r.name for r in reports] == registry.source_names()
    assert {r.state for r in reports} == {"missing"}


def test_each_state_from_the_facts() -> None:
    quiet_row = HealthRow("codex", last_change_ms=NOW, last_call_ms=NOW - 50 * HOUR, counted_change_ms=NOW - 50 * HOUR,
                          quiet_since_ms=NOW - 30 * HOUR)
    reports = _reports({
        "claude-code": SourceFacts(3, 1, HealthRow("claude-code", last_call_ms=NOW - HOUR)),
        "codex": SourceFacts(2, 0, quiet_row, went_quiet=True),
        "gemini": SourceFacts(4, 0, HealthRow("gemini", last_change_ms=NOW)),
        "qwen": SourceFacts(0, 0, HealthRow("qwen", recent_skips=[(NOW, {"unreadable file": 1})])),
    }, existing={HOME / ".qwen/projects", HOME / ".local/share/opencode"})
    assert {n: reports[n].state for n in ("claude-code", "codex", "gemini", "qwen", "opencode", "amp")} == {
        "claude-code": "counting", "codex": "quiet", "gemini": "no_calls", "qwen": "no_calls", "opencode": "empty",
        "amp": "missing"}
    assert reports["codex"].went_quiet and not reports["claude-code"].went_quiet
    assert (reports["claude-code"].files_known, reports["claude-code"].files_gone) == (3, 1)


def test_what_chose_the_folders_is_told() -> None:
    reports = _reports({}, settings=Settings(source_roots={"gemini": ("/data/gem",)}),
                       env={"CODEX_HOME": "/srv/codex"})
    assert reports["claude-code"].chosen_by == "the default; CLAUDE_CONFIG_DIR moves it"
    assert reports["codex"].chosen_by == "moved by CODEX_HOME"
    assert reports["gemini"].chosen_by == f"chosen in {SETTINGS_PLACE}"
    assert [f.path for f in reports["gemini"].folders] == [Path("/data/gem")]
    shape = {s["name"]: s["chosen_by"] for s in report_json(reports.values(), NOW)["sources"]}
    assert (shape["claude-code"], shape["codex"], shape["gemini"]) == ("default", "environment", "settings")


def test_the_json_shape() -> None:
    row = HealthRow("codex", last_change_ms=NOW - HOUR, last_call_ms=NOW - 50 * HOUR, last_counted_ms=NOW - 49 * HOUR,
                    counted_change_ms=NOW - 50 * HOUR, quiet_since_ms=NOW - 30 * HOUR,
                    recent_skips=[(NOW - 2 * HOUR, {"torn or malformed JSON line": 2}),
                                  (NOW - HOUR, {"torn or malformed JSON line": 1, HOSTILE: 4})])
    reports = _reports({"codex": SourceFacts(2, 1, row, went_quiet=True)}, existing={HOME / ".codex/sessions"})
    data = json.loads(json_text(report_json([reports["codex"]], NOW)))
    assert data == {
        "now": "2026-09-21T14:13:20Z",
        "quiet_after_hours": 24,
        "sources": [{
            "name": "codex", "label": "Codex", "state": "quiet", "went_quiet": True,
            "chosen_by": "default", "env_var": "CODEX_HOME",
            "folders": [{"path": "/home/u/.codex/sessions", "state": "exists"},
                        {"path": "/home/u/.codex/archived_sessions", "state": "missing"}],
            "files": {"read": 2, "gone": 1},
            "last_call": "2026-09-19T12:13:20Z", "last_counted": "2026-09-19T13:13:20Z",
            "files_changed": "2026-09-21T13:13:20Z", "quiet_since": "2026-09-20T08:13:20Z",
            "last_call_ms": NOW - 50 * HOUR, "last_counted_ms": NOW - 49 * HOUR, "files_changed_ms": NOW - HOUR,
            "quiet_since_ms": NOW - 30 * HOUR,
            "skipped": {
                "lines": {HOSTILE: 4, "torn or malformed JSON line": 3},
                "scans": [{"at": "2026-09-21T13:13:20Z", "at_ms": NOW - HOUR,
                           "lines": {HOSTILE: 4, "torn or malformed JSON line": 1}},
                          {"at": "2026-09-21T12:13:20Z", "at_ms": NOW - 2 * HOUR,
                           "lines": {"torn or malformed JSON line": 2}}],
            },
        }],
    }
    assert "\x1b" not in json_text(report_json([reports["codex"]], NOW))  # escaped as \u001b in the JSON text


def test_the_text_escapes_folder_names_and_skip_reasons() -> None:
    row = HealthRow("claude-code", last_call_ms=NOW - HOUR, recent_skips=[(NOW - HOUR, {HOSTILE: 2})])
    folder = "/data/\x1b[2Jclaude\rx"
    reports = _reports({"claude-code": SourceFacts(1, 0, row)}, env={"CLAUDE_CONFIG_DIR": folder})
    lines = report_lines(reports.values(), HOME, UTC, NOW)
    printed = "\n".join(lines)
    assert "\x1b" not in printed and "\r" not in printed and "\u202e" not in printed
    assert "      /data/\\x1b[2Jclaude\\rx/projects (missing)" in lines
    assert "             2  bad \\x1b]52;c;AAAA\\x07 <img src=x> \\u202eline" in lines
    assert lines[0] == "Claude Code: counting calls"


def test_the_text_puts_quiet_agents_first_and_folds_agents_not_found() -> None:
    quiet_row = HealthRow("gemini", last_change_ms=NOW - HOUR, last_call_ms=NOW - 50 * HOUR,
                          counted_change_ms=NOW - 50 * HOUR, quiet_since_ms=NOW - 40 * HOUR)
    reports = _reports({"claude-code": SourceFacts(1, 0, HealthRow("claude-code", last_call_ms=NOW - HOUR)),
                        "gemini": SourceFacts(1, 0, quiet_row, went_quiet=True)})
    lines = report_lines(reports.values(), HOME, UTC, NOW)
    assert lines[0] == "Gemini CLI: WENT QUIET"
    assert lines[1].startswith("  Its logs kept changing from 2026-09-19 22:13 to 2026-09-21 13:13, but no change"
                               " brought a call")
    assert "  last call counted: 2026-09-19 12:13 (2 days ago)" in lines
    assert lines.index("Claude Code: counting calls") > lines.index("Gemini CLI: WENT QUIET")
    cline = next(line for line in lines if line.startswith("  Cline ("))
    assert cline.endswith("and 12 more folders (--json lists them)")
    assert "  Codex (the default; CODEX_HOME moves it): ~/.codex/sessions, ~/.codex/archived_sessions" in lines
    assert lines[-2] == "Went quiet: Gemini CLI."


def test_details_of_a_source_without_skips() -> None:
    reports = _reports({"claude-code": SourceFacts(2, 0, HealthRow("claude-code", last_change_ms=NOW - 60_000,
                                                                    last_call_ms=NOW - 60_000, last_counted_ms=NOW))},
                       existing={HOME / ".claude/projects"})
    assert detail_lines(reports["claude-code"], HOME, UTC, NOW) == [
        "Calls are counted.",
        "folders (the default; CLAUDE_CONFIG_DIR moves it):",
        "    ~/.config/claude/projects (missing)",
        "    ~/.claude/projects (exists)",
        "files read: 2",
        "last call counted: 2026-09-21 14:12 (1 min ago), counted 2026-09-21 14:13",
        "files last changed: 2026-09-21 14:12 (1 min ago)",
        "lines skipped: none",
    ]


# --- the summary's and the tray menu's line ------------------------------------------------------------------

def test_quiet_lines_for_the_summary_and_the_menu() -> None:
    snap = make_snapshot(quiet_sources=(QuietSource("gemini", "Gemini CLI", NOW - 50 * HOUR, NOW - 40 * HOUR),))
    assert text.quiet_lines(snap) == ["Gemini CLI went quiet: its logs keep changing, but no call was counted since"
                                      " 19 Sep. Settings › Sources says more."]
    assert text.quiet_lines(snap, short=True) == ["Gemini CLI went quiet: no calls since 19 Sep"]
    menu = text.status_lines(snap)
    assert "Gemini CLI went quiet: no calls since 19 Sep" in menu
    assert text.quiet_lines(make_snapshot()) == [] and not any("quiet" in line for line in text.status_lines(
        make_snapshot()))


def test_quiet_lines_name_three_and_count_the_rest_and_never_carry_markup() -> None:
    many = tuple(QuietSource(f"s{i}", f"<b>Agent {i}</b>\x1b", None, NOW) for i in range(5))
    lines = text.quiet_lines(make_snapshot(quiet_sources=many), short=True)
    assert lines == ["‹b›Agent 0‹/b›\\x1b went quiet: no calls", "‹b›Agent 1‹/b›\\x1b went quiet: no calls",
                     "‹b›Agent 2‹/b›\\x1b went quiet: no calls", "…and 2 more agents went quiet"]
