"""The command line's words: the argument parser (only the invoked command's arguments are added, since adding
them imports what describes them and `status` must start in a few ms) and the parsing of argument values
(time zones, days, agent names) into what the commands use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tokenpulse import __version__
from tokenpulse.cli.errors import UsageError

if TYPE_CHECKING:
    import argparse
    from zoneinfo import ZoneInfo

DESCRIPTION = ("Track the tokens your AI coding agents spend, by type: output (the work), and input, cache writes"
               " and cache reads (what the model was fed). With no command, start the tray app.")
REPORTS_SAY = ("Reports scan first (--no-scan: the store as it is), count local days in --tz, and fit 80 columns"
               " (--wide: every column; --json: exact rows).")
EPILOG = f"{REPORTS_SAY} Weeks start on Monday (--week-start to change)."


EVERY = "*"  # build_parser: every command's arguments


def build_parser(command: str | None = EVERY) -> argparse.ArgumentParser:
    """The parser: the reports first (cli.report_options.REPORTS), then the other commands (`_COMMANDS`).

    Every command is listed, but only `command`'s arguments are added (all of them with EVERY, none with None):
    adding a command's arguments imports what describes them, and `status` must answer in a few ms.
    """
    import argparse

    from tokenpulse.cli import report_options

    parser = argparse.ArgumentParser(prog="tokenpulse", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"tokenpulse {__version__}")
    parser.add_argument("--data-dir", help="keep the store and settings in this folder (like TOKENPULSE_HOME)")
    parser.add_argument("--no-tray", action="store_true", help="app: show the summary as a window, no tray icon")
    parser.add_argument("--background", action="store_true", help="app: start without showing any window")
    parser.add_argument("--verbose", action="store_true",
                        help="log what tokenpulse does, not only warnings (the app's log is in DATA_DIR/logs)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    # the commands before the options in --help: what tokenpulse does comes first (argparse lists groups in
    # the order they were made, and "options" is made with the parser)
    parser._action_groups.insert(0, parser._action_groups.pop())
    for report in report_options.REPORTS:
        cmd = commands.add_parser(report.name, help=report.help, description=f"{report.help}. {REPORTS_SAY}")
        if command in (EVERY, report.name):
            report_options.add_common(cmd, _add_source)
            for add_options in report.options:
                add_options(cmd)
    for name, help_text, add_arguments in _COMMANDS:
        cmd = commands.add_parser(name, help=help_text, description=help_text)
        if command in (EVERY, name):
            add_arguments(cmd)
    from tokenpulse.cli import sync_command

    sync_command.add_commands(commands, arguments=command in (EVERY, "sync"))
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command `argv` runs (its first word after the global options), or None: no command (the app, or
    --help or --version), or a word that is not one (then every command is built, for argparse's message)."""
    names = {*_REPORT_NAMES, *(c[0] for c in _COMMANDS), "sync"}
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            return None
        if arg == "--data-dir":
            skip = True  # its value follows
            continue
        if arg.startswith("-"):
            continue
        return arg if arg in names else EVERY
    return None


def _status_args(cmd: argparse.ArgumentParser) -> None:
    from tokenpulse.cli.report_options import add_week_start

    cmd.add_argument("--json", action="store_true", help="print as JSON")
    cmd.add_argument("--no-scan", action="store_true", help="do not scan first")
    add_week_start(cmd)


def _whatif_args(cmd: argparse.ArgumentParser) -> None:
    from tokenpulse.cli.whatif import add_arguments

    add_arguments(cmd, _add_source)


def _scan_args(cmd: argparse.ArgumentParser) -> None:
    _add_source(cmd)
    cmd.add_argument("--json", action="store_true", help="print the summary as JSON")


def _backup_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--list", action="store_true", help="list the backups instead")


def _restore_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("backup", nargs="?", default="latest",
                     help="a backup file, a UTC day (YYYY-MM-DD) or 'latest' (the default)")


def _forget_args(cmd: argparse.ArgumentParser) -> None:
    what = cmd.add_mutually_exclusive_group(required=True)
    what.add_argument("--all", action="store_true", help="the store, its backups and the settings")
    what.add_argument("--project", metavar="PATH",
                      help="one project folder's chats and calls (in the store and its backups); later scans"
                           " leave it out")
    cmd.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _desktop_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("action", choices=("install", "uninstall"))


def _sources_args(cmd: argparse.ArgumentParser) -> None:
    _add_source(cmd)
    cmd.add_argument("--json", action="store_true", help="print as JSON")
    cmd.add_argument("--no-scan", action="store_true", help="report the store as it is, without scanning")


def _limits_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--json", action="store_true", help="print as JSON")
    cmd.add_argument("--no-scan", action="store_true", help="do not scan first")


def _statusline_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("action", nargs="?", choices=("install", "uninstall"),
                     help="install: make it Claude Code's status line (a status line you have keeps running,"
                          " first); uninstall: put back what was there. Without one: read stdin, print")


# The commands after the reports, in the order `--help` lists them: (name, help, its arguments).
_COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ("status", "live chats and reminders due now (for a shell status line)", _status_args),
    ("limits", "how close you are to your plan's limits (5-hour and weekly windows), as the providers report them",
     _limits_args),
    ("statusline", "Claude Code's status line: reads its JSON on stdin, prints one line; or add it to (remove it"
                   " from) Claude Code's settings", _statusline_args),
    ("sources", "each agent's folders, files, last call and skipped lines, and which went quiet", _sources_args),
    ("whatif", "re-price a range, a project or a chat as if another model had served the same tokens",
     _whatif_args),
    ("scan", "read new log lines into the store and print a summary", _scan_args),
    ("backup", "copy the store into the backups folder now (the app and scans also keep one a day, the last 7)",
     _backup_args),
    ("restore", "make the store hold a backup again (the current store is kept beside it)", _restore_args),
    ("forget", "delete what tokenpulse keeps: everything, or one project", _forget_args),
    ("desktop", "add or remove the menu entry and icons for this user", _desktop_args),
)


_REPORT_NAMES = ("daily", "weekly", "monthly", "sessions", "projects")  # report_options.REPORT_NAMES (a test checks)


def _add_source(cmd: argparse.ArgumentParser) -> None:
    from tokenpulse.sources.registry import source_names

    cmd.add_argument("--source", action="append", metavar="NAME",
                     help=f"only this agent ({', '.join(source_names())}); repeatable")


def parse_sources(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    from tokenpulse.sources.registry import select

    try:
        select(names)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return names


def parse_zone(name: str | None, default: str | None) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    chosen = name or default
    if chosen:
        try:
            return ZoneInfo(chosen)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UsageError(f"unknown time zone {chosen!r} (use an IANA name such as Europe/Paris)") from exc
    return _local_zone()


def _local_zone() -> ZoneInfo:
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    key = os.environ.get("TZ")
    if key:
        try:
            return ZoneInfo(key.lstrip(":"))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return ZoneInfo(link.split("zoneinfo/", 1)[1])
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return ZoneInfo("UTC")


def parse_day(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    from datetime import datetime

    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise UsageError(f"{flag} {text!r} is not a date (use YYYY-MM-DD)")
