"""The report commands, registered from one table (`REPORTS`): their options, and the run that scans, reads
the rows (insights.usage_report, with the work read from git for sessions and projects: insights.report_work)
over the chosen devices (--devices) and hands them to the report's presenter (period_report, sessions_report,
projects_report) as a table or JSON.

A report is a `Report(name, help, extra options, show)`; `cli.main` builds its parser from this table, the
reports first in `--help`. Every report takes the common options (`add_common`).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tokenpulse.cli import cells, sync_command
from tokenpulse.cli.errors import EXIT_OK, UsageError
from tokenpulse.cli.style import COLOR_CHOICES, Look, look
from tokenpulse.clock import WEEKDAY_NAMES, weekday_number
from tokenpulse.insights import report_work, usage_report
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.store import queries
from tokenpulse.store.queries import Filter
from tokenpulse.untrusted_text import escape_controls

if TYPE_CHECKING:
    from tokenpulse.work.reader import WorkScan
    from tokenpulse.workspace import Workspace

EMPTY = "No usage recorded in this range."


@dataclass(frozen=True, slots=True)
class Context:
    """What a report needs besides its own options: the store, the window, prices and how to print."""

    workspace: Workspace
    conn: sqlite3.Connection  # this device's store, with the other chosen devices' copies attached
    tz: ZoneInfo
    flt: Filter
    look: Look
    rates: Pricer  # reads the store's rate cache, never writes it
    no_scan: bool = False

    @property
    def devices(self) -> bool:
        """More than one device is read: rows say which."""
        return self.flt.scope.labelled


class _CacheReadOnly:
    """The store's rate cache for a reader: what the scans cached is used, nothing is added (only the writer
    writes; a model and day the cache lacks is looked up in the price list each time)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ledger = workspace.ledger

    def cached_rates(self, model: str, day: str) -> tuple[bool, str | None]:
        return self._ledger.cached_rates(model, day)

    def save_rates(self, model: str, day: str, rates: str | None) -> None:
        return None


def reading_pricer(workspace: Workspace) -> Pricer:
    from tokenpulse.workspace import price_overrides

    return Pricer(_CacheReadOnly(workspace), price_overrides(workspace.settings))


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    help: str
    options: tuple[Callable[[argparse.ArgumentParser], None], ...]
    show: Callable[[Context, argparse.Namespace], str]


# --- options -----------------------------------------------------------------------------------------------

def add_common(cmd: argparse.ArgumentParser, add_source: Callable[[argparse.ArgumentParser], None]) -> None:
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
    sync_command.add_devices_option(cmd)


def _periods(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--breakdown", choices=usage_report.BREAKDOWNS,
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


# --- the reports -------------------------------------------------------------------------------------------

def _period(period: str) -> Callable[[Context, argparse.Namespace], str]:
    def show(ctx: Context, args: argparse.Namespace) -> str:
        from tokenpulse.cli import period_report

        key = period_report.KEYS[period]
        week_start = first_weekday(args) if period == "week" else 0
        if args.group == "model" and args.breakdown:
            raise UsageError("--breakdown needs one row per period: leave out --group model")
        if args.breakdown == "device" and not ctx.devices:
            raise UsageError("--breakdown device needs more than one device: choose them with --devices")
        rows = usage_report.period_rows(ctx.conn, period, ctx.tz, ctx.flt, ctx.rates, week_start)
        if args.json and args.group != "period" and not args.breakdown:
            return period_report.json_rows(rows, key, ctx.devices)
        breakdown = args.breakdown or ("device" if ctx.devices and not args.json else None)
        groups = usage_report.group_periods(rows, breakdown)
        if args.json:
            return period_report.json_groups(groups, key, breakdown, ctx.devices)
        if not rows:
            return EMPTY
        return period_report.table(groups, key, args.wide, ctx.look) + _notes(ctx)
    return show


def _sessions(ctx: Context, args: argparse.Namespace) -> str:
    from tokenpulse.cli import sessions_report

    flat = usage_report.chats(ctx.conn, ctx.flt, ctx.rates)
    report_work.add_chat_work(ctx.conn, flat, _work(ctx, args), ctx.flt)
    families = usage_report.fold(flat)
    if args.json:
        return sessions_report.json_rows(families, ctx.tz, ctx.devices)
    if not families:
        return EMPTY
    return sessions_report.table(families, ctx.tz, ctx.workspace.clock.now_ms(), args.wide, ctx.look,
                                 ctx.devices) + _notes(ctx)


def _projects(ctx: Context, args: argparse.Namespace) -> str:
    from tokenpulse.cli import projects_report

    plain = usage_report.projects(usage_report.chats(ctx.conn, ctx.flt, ctx.rates))
    rows, work_total = report_work.with_project_work(ctx.conn, plain, _work(ctx, args), ctx.flt)
    if args.json:
        return projects_report.json_rows(rows, ctx.devices)
    if not rows:
        return EMPTY
    import os

    return projects_report.table(rows, args.wide, ctx.look, os.path.expanduser("~"), ctx.devices,
                                 work_total) + _notes(ctx)


def _work(ctx: Context, args: argparse.Namespace) -> WorkScan:
    """The work read from git, brought up to date first unless --no-scan (cli.work)."""
    from tokenpulse.cli.work import work_figures

    return work_figures(ctx.workspace, refresh=not ctx.no_scan, quiet=args.json)


REPORTS: tuple[Report, ...] = (
    Report("daily", "tokens by type, cost and waste per day", (_periods,), _period("day")),
    Report("weekly", "tokens by type, cost and waste per week (weeks start on Monday: --week-start)",
           (_periods, add_week_start), _period("week")),
    Report("monthly", "tokens by type, cost and waste per month", (_periods,), _period("month")),
    Report("sessions", "per chat (sub-agent chats under their parent), with full session ids", (),
           _sessions),
    Report("projects", "tokens, cost and waste per project folder", (), _projects),
)


def _notes(ctx: Context) -> str:
    """Under a table: which models have no price (what a "+" means), and what the waste columns are."""
    notes = []
    models = queries.unpriced_models(ctx.conn, ctx.flt)
    if models:
        names = ", ".join(escape_controls(m) for m in models)
        notes.append(f"No price for {names}: costs leave those calls out, and a cost ending in + counts the"
                     " others only (set a price in settings.toml).")
    notes.append(cells.LEGEND)
    width = max(ctx.look.width, 40)
    return "\n" + "\n".join(ctx.look.paint(line, "dim") for note in notes
                            for line in textwrap.wrap(note, width, break_on_hyphens=False))


# --- the run -----------------------------------------------------------------------------------------------

def run(workspace: Workspace, args: argparse.Namespace, zone: Callable[[str | None, str | None], ZoneInfo],
        day: Callable[[str | None, str], str | None]) -> int:
    """Scan (unless --no-scan), then print the report `args.command`; `zone` and `day` parse --tz and dates."""
    from tokenpulse.store.localtime import day_start_ms, next_day

    report = next(r for r in REPORTS if r.name == args.command)
    tz = zone(args.tz, workspace.settings.timezone)
    since, until = day(args.since, "--since"), day(args.until, "--until")
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    if getattr(args, "week_start", None) is not None:
        first_weekday(args)  # a bad day is told before the scan, not after
    if not args.no_scan:
        from tokenpulse.cli.progress import ProgressBar

        bar = ProgressBar()
        summary = workspace.scan(progress=bar, wait=30.0, daily_backup=True)
        bar.finish()
        if summary is None:
            print("tokenpulse: another tokenpulse is scanning; showing the store as it is", file=sys.stderr)
        elif summary.problems and not args.json:
            print(f"tokenpulse: {len(summary.problems)} problem(s) while scanning; run `tokenpulse scan` for"
                  " details", file=sys.stderr)
    with sync_command.report_devices(workspace, args.devices, look=not args.no_scan) as (conn, devices):
        flt = Filter(since_ms=day_start_ms(since, tz) if since else None,
                     until_ms=day_start_ms(next_day(until), tz) if until else None,
                     sources=[s.name for s in workspace.sources], devices=devices)
        ctx = Context(workspace, conn, tz, flt, look(sys.stdout, args.color), reading_pricer(workspace),
                      args.no_scan)
        sys.stdout.write(report.show(ctx, args) + "\n")
    return EXIT_OK
