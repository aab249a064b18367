"""`tokenpulse` entry point: dispatch of the parsed command (cli.parser) to what runs it, the tray app when no
command is given."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the modules themselves are imported where used: `status` must start in a few ms
    import argparse

from tokenpulse.cli.errors import EXIT_DISPLAY, EXIT_OK, EXIT_STORE, EXIT_USAGE, UsageError
from tokenpulse.cli.parser import build_parser, command_of, parse_day, parse_sources, parse_zone

__all__ = ["EXIT_DISPLAY", "EXIT_OK", "EXIT_STORE", "EXIT_USAGE", "UsageError", "build_parser", "main"]


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
    sources = parse_sources(getattr(args, "source", None))
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

            return run_whatif(workspace, args, parse_zone, parse_day)
        if args.command == "sources":
            from tokenpulse.cli.sources import run as run_sources

            return run_sources(workspace, args, parse_zone)
        if args.command == "limits":
            from tokenpulse.cli import limits

            return limits.run(workspace, args.json, not args.no_scan)
        from tokenpulse.cli.reports import run as run_report

        return run_report(workspace, args, parse_zone, parse_day)
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
    from tokenpulse.gui.launch import run_app

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
