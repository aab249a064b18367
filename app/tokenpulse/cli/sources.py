"""`tokenpulse sources [--json]`: every agent's health, after an incremental scan (none with --no-scan): the
folders looked in and whether they exist (and what chose them), the files read, the last call counted and
when, the lines skipped by reason in the last scans, and which agents went quiet."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from tokenpulse.workspace import Workspace

EXIT_OK = 0


def add_parser(commands: argparse._SubParsersAction, add_source: Callable[[argparse.ArgumentParser], None]) -> None:
    cmd = commands.add_parser(
        "sources", help="each agent's folders, files, last call and skipped lines, and which went quiet")
    add_source(cmd)
    cmd.add_argument("--json", action="store_true", help="print as JSON")
    cmd.add_argument("--no-scan", action="store_true", help="report the store as it is, without scanning")


def run(workspace: Workspace, args: argparse.Namespace,
        zone_for: Callable[[str | None, str | None], ZoneInfo]) -> int:
    # imported here: building the parser (which every command does) must not pay for them
    from tokenpulse.presenters.source_health import report_json, report_lines
    from tokenpulse.untrusted_text import json_text

    if not args.no_scan:
        from tokenpulse.cli.progress import ProgressBar

        bar = ProgressBar()
        summary = workspace.scan(progress=bar, wait=30.0, daily_backup=True)
        bar.finish()
        if summary is None:
            print("tokenpulse: another tokenpulse is scanning; showing the store as it is", file=sys.stderr)
    now_ms = workspace.clock.now_ms()
    reports = workspace.source_reports(now_ms)
    if args.json:
        print(json_text(report_json(reports, now_ms)))
    else:
        home = workspace.home or Path.home()
        print("\n".join(report_lines(reports, home, zone_for(None, workspace.settings.timezone), now_ms)))
    return EXIT_OK
