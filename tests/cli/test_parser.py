"""The argument parser is built for the command being run only (`cli.parser.build_parser`): the same parse as the
full parser for every command, the tables that name the reports kept equal, and `status` importing no report
code while it parses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tokenpulse.cli import main, parser, report_options, reports
from tokenpulse.insights import usage_report

ARGV = [
    ["daily", "--json", "--since", "2026-01-01", "--breakdown", "model", "--devices", "all"],
    ["--data-dir", "/tmp/x", "weekly", "--week-start", "sunday", "--no-scan"],
    ["--data-dir=/tmp/x", "sessions", "--wide", "--color", "never"],
    ["projects", "--source", "codex", "--tz", "UTC"],
    ["monthly", "--group", "period"],
    ["status", "--json", "--week-start", "friday"],
    ["limits", "--json"],
    ["statusline", "install"],
    ["sources", "--no-scan"],
    ["whatif", "--model", "gpt-5", "--project", "/p"],
    ["scan", "--source", "claude-code", "--json"],
    ["backup", "--list"],
    ["restore", "2026-01-02"],
    ["forget", "--project", "/p", "--yes"],
    ["desktop", "install"],
    ["sync", "--folder", "/s", "--name", "box"],
    ["--verbose"],
    [],
]


@pytest.mark.parametrize("argv", ARGV, ids=lambda a: " ".join(a) or "(none)")
def test_the_parser_of_one_command_parses_as_the_full_one(argv: list[str]) -> None:
    lean = parser.build_parser(parser.command_of(argv)).parse_args(argv)
    assert vars(lean) == vars(parser.build_parser().parse_args(argv))


def test_the_command_is_found_after_the_global_options() -> None:
    assert parser.command_of(["--data-dir", "daily", "weekly"]) == "weekly"  # "daily" is the folder's name
    assert parser.command_of(["--verbose", "scan"]) == "scan"
    assert parser.command_of(["--version"]) is None and parser.command_of([]) is None
    assert parser.command_of(["dayli"]) == parser.EVERY  # argparse then names every command in its message


def test_a_misspelt_command_is_told_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main.main(["dayli"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'dayli'" in err and "daily" in err


def test_one_commands_help_has_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.main(["weekly", "--help"])
    out = capsys.readouterr().out
    assert "--week-start" in out and "--devices" in out and "--breakdown" in out


def test_the_tables_naming_the_reports_agree() -> None:
    assert report_options.REPORT_NAMES == parser._REPORT_NAMES
    assert set(reports.SHOWS) == set(report_options.REPORT_NAMES)
    assert report_options.BREAKDOWNS == usage_report.BREAKDOWNS


def test_status_parses_without_importing_the_reports() -> None:
    code = ("import sys; from tokenpulse.cli import parser; parser.build_parser(parser.command_of(['status']))"
            ".parse_args(['status', '--json']);"
            " print(sorted(m for m in sys.modules if m.startswith(('tokenpulse.cli.reports', 'tokenpulse.insights',"
            " 'tokenpulse.cli.whatif', 'tokenpulse.sources'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
