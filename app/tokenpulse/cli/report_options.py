"""The report commands' names, help and options, registered from one table (`REPORTS`), without what runs them.

Kept apart from `cli.reports` (the run and the presenters) so that building the argument parser imports none of
the report code: every command, `status` and `statusline` included, parses its arguments first.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NamedTuple

from tokenpulse.cli.errors import UsageError
from tokenpulse.clock import WEEKDAY_NAMES, weekday_number

BREAKDOWNS = ("agent", "model", "device")  # insights.usage_report.BREAKDOWNS (a test keeps them equal)
Options = Callable[[argparse.ArgumentParser], None]


class ReportSpec(NamedTuple):  # not a dataclass: every command imports this module, and one costs ~0.5 ms to make
    name: str
    help: str
    options: tuple[Options, ...]


def add_common(cmd: argparse.ArgumentParser, add_source: Options) -> None:
    """The options every report takes."""
    from tokenpulse.cli.style import COLOR_CHOICES  # here: `status` parses its arguments without the styles
    from tokenpulse.cli.sync_command import add_devices_option

    cmd.add_argument("--since", metavar="DAY", help="first local day included (YYYY-MM-DD or YYYYMMDD)")
    cmd.add_argument("--until", metavar="DAY", help="last local day included (YYYY-MM-DD or YYYYMMDD)")
    cmd.add_argument("--tz", metavar="ZONE",
                     help="IANA time zone for days (default: the settings' zone, else the local zone)")
    add_source(cmd)
    cmd.add_argument("--json", action="store_true", help="print rows as JSON (exact counts and costs)")
    cmd.add_argument("--wide", action="store_true",
                     help="every column, counts in full (the default table fits 80 columns)")
    cmd.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                     help="colour the table: auto (on a terminal, unless NO_COLOR is set), always or never")
    cmd.add_argument("--no-scan", action="store_true", help="report the store as it is, without scanning")
    add_devices_option(cmd)


def _periods(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--breakdown", choices=BREAKDOWNS,
                     help="under each period, a row per agent, per model or per device (the default over several"
                          " devices)")
    cmd.add_argument("--group", choices=("model", "period"),
                     help="JSON rows: per period, agent and model (model, the default) or per period (period;"
                          " with --breakdown nested under each)")


def add_week_start(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--week-start", default="monday", metavar="DAY",
                     help=f"the first day of a week: {', '.join(WEEKDAY_NAMES)} (default monday)")


def first_weekday(args: argparse.Namespace) -> int:
    try:
        return weekday_number(args.week_start)
    except ValueError as exc:
        raise UsageError(f"--week-start: {exc}") from exc


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec("daily", "tokens by type, cost and waste per day", (_periods,)),
    ReportSpec("weekly", "tokens by type, cost and waste per week (weeks start on Monday: --week-start)",
               (_periods, add_week_start)),
    ReportSpec("monthly", "tokens by type, cost and waste per month", (_periods,)),
    ReportSpec("sessions", "per chat (sub-agent chats under their parent), with full session ids", ()),
    ReportSpec("projects", "tokens, cost and waste per project folder", ()),
)
REPORT_NAMES = tuple(r.name for r in REPORTS)
