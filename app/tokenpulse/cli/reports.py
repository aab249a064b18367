"""The report commands' run (their names and options: `cli.report_options`): it scans, reads the rows
(insights.usage_report, with the work read from git for sessions and projects: insights.report_work) over the
chosen devices (--devices) and hands them to the report's presenter (period_report, sessions_report,
projects_report) as a table or JSON. Each report is a `show(context, args)` in `SHOWS`.
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
from tokenpulse.cli.report_options import first_weekday
from tokenpulse.cli.style import Look, look
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


SHOWS: dict[str, Callable[[Context, argparse.Namespace], str]] = {
    "daily": _period("day"),
    "weekly": _period("week"),
    "monthly": _period("month"),
    "sessions": _sessions,
    "projects": _projects,
}


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

    show = SHOWS[args.command]
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
        sys.stdout.write(show(ctx, args) + "\n")
    return EXIT_OK
