"""`tokenpulse` entry point: argument parsing and dispatch (the tray app when no command is given)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tokenpulse import __version__

if TYPE_CHECKING:  # the modules themselves are imported where used: `status` must start in a few ms
    import argparse
    from zoneinfo import ZoneInfo

from tokenpulse.cli.errors import EXIT_DISPLAY, EXIT_OK, EXIT_STORE, EXIT_USAGE, UsageError

__all__ = ["EXIT_DISPLAY", "EXIT_OK", "EXIT_STORE", "EXIT_USAGE", "UsageError", "build_parser", "main"]

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


def _sources(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    from tokenpulse.sources.registry import select

    try:
        select(names)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return names


def _zone(name: str | None, default: str | None) -> ZoneInfo:
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


def _day(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    from datetime import datetime

    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise UsageError(f"{flag} {text!r} is not a date (use YYYY-MM-DD)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. A reader that closes the pipe early (`| head`) ends it quietly, with 0."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit: a closed pipe must be met where it can be handled
        return code
    except BrokenPipeError:
        _quiet_closed_pipe()
        return EXIT_OK
    except SystemExit:  # argparse after --help, --version or bad arguments: what it printed is flushed here too
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_closed_pipe()
        raise


def _quiet_closed_pipe() -> None:
    """Nobody reads stdout any more: point it at /dev/null, so that the interpreter's own flush at exit finds
    nothing to complain about ("Exception ignored … BrokenPipeError"), and drop what is still buffered."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's captured stdout)
        pass


def _main(argv: Sequence[str] | None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if "statusline" in given[:3]:  # Claude Code's status line has its own fast path (cli/statusline.py)
        from tokenpulse.cli.statusline import fast as statusline

        code = statusline(given)
        if code is not None:
            return code
    fast = _status_from_the_app(given)
    if fast is not None:
        return fast
    args = build_parser(command_of(given)).parse_args(given)
    try:
        return _dispatch(args)
    except UsageError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tokenpulse: interrupted; what was committed stays counted", file=sys.stderr)
        return 130


def _status_from_the_app(argv: list[str]) -> int | None:
    """`status [--json]` while the tray app runs: print the facts it keeps current, importing almost nothing.

    None when that does not apply (other arguments, the app not running, no fresh facts): the full path runs.
    """
    if not argv or argv[0] != "status" or any(a != "--json" for a in argv[1:]):
        return None
    import time

    from tokenpulse.config.paths import resolve
    from tokenpulse.platform.app_lock import app_running

    paths = resolve()
    if not app_running(paths.instance_lock):
        return None
    from tokenpulse.insights.status_view import present, read_facts

    now_ms = time.time_ns() // 1_000_000
    facts = read_facts(paths.data_dir, now_ms)
    if facts is None:
        return None
    _print_status(present(facts, now_ms), "--json" in argv)
    return EXIT_OK


def _print_status(status: dict[str, object], as_json: bool) -> None:
    from tokenpulse.cli.status_text import render
    from tokenpulse.untrusted_text import json_text

    print(json_text(status) if as_json else render(status))


def _dispatch(args: argparse.Namespace) -> int:
    import sqlite3

    from tokenpulse.config.paths import resolve
    from tokenpulse.config.settings import SettingsError
    from tokenpulse.store.db import StoreError

    if args.command is None:
        return _run_app(resolve(args.data_dir), args)
    if args.verbose:
        from tokenpulse import app_log

        app_log.setup(None, verbose=True)
    if args.command == "desktop":
        return _desktop(args.action)
    if args.command == "statusline":
        from tokenpulse.cli.statusline import setup

        return setup(args.action, args.data_dir)
    paths = resolve(args.data_dir)
    if args.command in ("backup", "restore", "forget"):
        from tokenpulse.cli import store_commands

        return store_commands.run(args, paths)
    if args.command == "sync":
        from tokenpulse.cli import sync_command

        return sync_command.run(args, paths)
    sources = _sources(getattr(args, "source", None))
    try:
        from tokenpulse.workspace import Workspace

        workspace = Workspace(paths, sources=sources)
    except SettingsError as exc:  # refused as a whole: nothing is scanned with part of it
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_STORE
    except (sqlite3.Error, OSError) as exc:  # met while opening (a damaged page read at start): one line
        return store_failed(paths.database, exc)
    try:
        tell_notices(paths.data_dir)
        if args.command == "scan":
            return _scan(workspace, args.json)
        if args.command == "status":
            return _status(workspace, args)
        if args.command == "whatif":
            from tokenpulse.cli.whatif import run as run_whatif

            return run_whatif(workspace, args, _zone, _day)
        if args.command == "sources":
            from tokenpulse.cli.sources import run as run_sources

            return run_sources(workspace, args, _zone)
        if args.command == "limits":
            from tokenpulse.cli import limits

            return limits.run(workspace, args.json, not args.no_scan)
        from tokenpulse.cli.reports import run as run_report

        return run_report(workspace, args, _zone, _day)
    except BrokenPipeError:
        raise  # the reader went away: not the store's fault (main ends quietly)
    except (sqlite3.Error, OSError, StoreError) as exc:
        return store_failed(paths.database, exc)
    finally:
        workspace.close()


def _run_app(paths: object, args: argparse.Namespace) -> int:
    """The tray app, once the log is set up and a window can be opened (else one line and EXIT_DISPLAY: Qt
    itself would abort with a core dump)."""
    from tokenpulse import app_log
    from tokenpulse.config.paths import AppPaths
    from tokenpulse.platform import display

    assert isinstance(paths, AppPaths)
    app_log.setup(paths.data_dir, verbose=args.verbose)
    problem = display.problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        app_log.to_file_only("ERROR", problem)
        return EXIT_DISPLAY
    from tokenpulse.gui.app import run_app

    try:
        return run_app(paths, no_tray=args.no_tray, background=args.background)
    finally:
        app_log.shutdown()


def tell_notices(data_dir: object) -> None:
    """What the store layer has to tell the user once (a damaged store rebuilt), on stderr."""
    from pathlib import Path

    from tokenpulse.store.notice import take_notice

    for line in take_notice(Path(str(data_dir))):
        print(f"tokenpulse: {line}", file=sys.stderr)


def store_failed(db_path: object, exc: BaseException) -> int:
    """An error from the store while a command ran: one plain line (and a mark for recovery when damaged)."""
    from pathlib import Path

    from tokenpulse.store.damage import after_error
    from tokenpulse.store.db import StoreError

    message = str(exc) if isinstance(exc, StoreError) else after_error(Path(str(db_path)), exc)
    print(f"tokenpulse: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_STORE


def _scan(workspace: object, as_json: bool) -> int:
    from tokenpulse.cli.progress import ProgressBar
    from tokenpulse.workspace import Workspace

    assert isinstance(workspace, Workspace)
    bar = ProgressBar()
    if not workspace.lock.acquire(0):
        print("tokenpulse: another tokenpulse is scanning; waiting for it to finish…", file=sys.stderr)
    else:
        workspace.lock.release()
    summary = workspace.scan(progress=bar, daily_backup=True)
    bar.finish()
    assert summary is not None
    from tokenpulse.untrusted_text import escape_controls, json_text

    # problem lines name log files, whose names are the logs' own: escaped like every other name
    print(json_text(summary.to_dict()) if as_json else "\n".join(escape_controls(ln) for ln in summary.lines()))
    if summary.files_seen == 0 and not as_json:
        _say_where_we_looked(workspace)
    return EXIT_OK


def _say_where_we_looked(workspace: object) -> None:
    """No log file at all: name every folder looked in, and how to point tokenpulse elsewhere."""
    import os
    from pathlib import Path

    from tokenpulse.presenters.first_run import looked_in, no_logs_lines
    from tokenpulse.workspace import Workspace

    assert isinstance(workspace, Workspace)
    home = workspace.home or Path.home()
    selected = {s.label for s in workspace.sources}
    # the process environment, not the workspace's copy (which has the settings' folders merged in:
    # looked_in tells those apart, as chosen in Settings)
    looked = [item for item in looked_in(workspace.settings, os.environ, home) if item.agent in selected]
    print("\n".join(no_logs_lines(looked, home, Path.is_dir)))


def _desktop(action: str) -> int:
    from tokenpulse.platform.desktop_entry import DesktopEntryError, install, uninstall

    try:
        changed = install() if action == "install" else uninstall()  # install finds this installation's launcher
    except DesktopEntryError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_STORE
    verb = "wrote" if action == "install" else "removed"
    print(f"{verb} {len(changed)} file(s)" + "".join(f"\n  {p}" for p in changed))
    return EXIT_OK


def _status(workspace: object, args: argparse.Namespace) -> int:
    from tokenpulse.nudges.status import live_status
    from tokenpulse.workspace import Workspace

    assert isinstance(workspace, Workspace)
    from tokenpulse.cli.report_options import first_weekday
    from tokenpulse.nudges.policy import PolicyState
    from tokenpulse.platform.app_lock import app_running
    from tokenpulse.store.reminders import load_state

    week_start = first_weekday(args)  # a bad day is told before any scan
    # the tray app keeps the store current within a second: then there is nothing to scan, and a status line
    # answers at once; otherwise scan, unless another scan holds the lock (then the store is current anyway)
    if not args.no_scan and not app_running(workspace.paths.instance_lock):
        workspace.scan(wait=0.0)
    now = workspace.clock.now_ms()
    try:  # what the app has already shown, or was told not to show, is not "due"
        state: PolicyState | None = PolicyState.from_json(load_state(workspace.conn), now)
    except (ValueError, TypeError):
        state = None
    status = live_status(workspace.conn, now, workspace.pricer, workspace.settings, state, week_start)
    _print_status(status, args.json)
    return EXIT_OK
