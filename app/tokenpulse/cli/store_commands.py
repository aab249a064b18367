"""`tokenpulse backup`, `restore` and `forget`: commands on the store file itself rather than on its contents."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tokenpulse.config.paths import AppPaths

if TYPE_CHECKING:
    from tokenpulse.config.settings import Settings
    from tokenpulse.store.backup import Backup

EXIT_OK, EXIT_USAGE, EXIT_STORE = 0, 2, 3


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    from tokenpulse.config.settings import SettingsError
    from tokenpulse.store.db import StoreError

    try:
        if args.command == "backup":
            return _list(paths) if args.list else _backup(paths)
        if args.command == "restore":
            return _restore(paths, args.backup)
        return _forget(paths, args)
    except SettingsError as exc:  # a broken settings file, or a folder the settings cannot hold: nothing done
        print(f"tokenpulse: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        print(f"tokenpulse: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_STORE


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _backup(paths: AppPaths) -> int:
    from tokenpulse.store import backup
    from tokenpulse.store.db import connect

    connect(paths.database).close()  # creates, upgrades or recovers the store first, as every command does
    made = backup.make_backup(paths.database, paths.backups_dir, _now_ms())
    removed = backup.prune(paths.backups_dir)
    print(f"backup written: {made}")
    if removed:
        print(f"older backups removed (the newest {backup.KEEP} are kept): {len(removed)}")
    return EXIT_OK


def _list(paths: AppPaths) -> int:
    from tokenpulse.store import backup

    found = backup.list_backups(paths.backups_dir)
    if not found:
        print(f"no backups in {paths.backups_dir} yet (tokenpulse makes one a day when it scans)")
        return EXIT_OK
    for b in reversed(found):  # newest first, as `restore` picks them
        size = b.path.stat().st_size if b.path.exists() else 0
        print(f"{b.label}  {size / 1e6:8.1f} MB  {b.path}")
    return EXIT_OK


def _restore(paths: AppPaths, which: str) -> int:
    from tokenpulse.store import backup

    chosen = _pick(paths, which)
    if chosen is None:
        print(f"tokenpulse: no backup matches {which!r}; `tokenpulse backup --list` shows them", file=sys.stderr)
        return EXIT_USAGE
    report = backup.restore(paths.database, chosen, now_ms=_now_ms())
    for line in report.lines():
        print(line)
    return EXIT_OK


def _pick(paths: AppPaths, which: str) -> Backup | Path | None:
    """A Backup (by day or newest) or a Path given on the command line; None when nothing matches."""
    from tokenpulse.store import backup

    found = backup.list_backups(paths.backups_dir)
    if which == "latest":
        return found[-1] if found else None
    as_path = Path(which).expanduser()
    if as_path.is_file():
        return next((b for b in found if b.path.resolve() == as_path.resolve()), as_path)
    day = which.replace("-", "")
    matches = [b for b in found if b.day.replace("-", "") == day]
    return matches[-1] if matches else None


def _forget(paths: AppPaths, args: argparse.Namespace) -> int:
    if args.all:
        what = (f"everything tokenpulse keeps: the store in {paths.data_dir}, its backups and the settings in"
                f" {paths.config_dir}")
    else:
        # the settings are read and the folder checked first: a broken file or a folder it cannot hold
        # (such as /) is refused before anything is asked or deleted
        folder, settings = _settings_forgetting(paths, args.project)
        what = f"every chat and call of the project {folder} (and its sub-folders), in the store and its backups"
    if not args.yes and not _confirm(f"Delete {what}? The agents' own logs are not touched. [y/N] "):
        print("tokenpulse: nothing deleted" + ("" if sys.stdin.isatty() else " (add --yes to confirm without a"
                                                                              " terminal)"), file=sys.stderr)
        return EXIT_USAGE
    if args.all:
        return _forget_all(paths)
    return _forget_project(paths, folder, settings)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _forget_all(paths: AppPaths) -> int:
    from tokenpulse.store.forget import forget_all

    removed = forget_all(paths)
    print(f"deleted {len(removed)} file(s)" + "".join(f"\n  {p}" for p in removed))
    return EXIT_OK


def _settings_forgetting(paths: AppPaths, project: str) -> tuple[str, Settings]:
    """(the absolute folder, the settings with it in `forgotten_projects`); SettingsError when either is bad."""
    import os

    from tokenpulse.config import settings as settings_io

    folder = os.path.abspath(os.path.expanduser(project))
    settings = settings_io.load(paths.settings_file)
    if folder in settings.forgotten_projects:
        return folder, settings
    return folder, settings_io.with_changes(settings, forgotten_projects=(*settings.forgotten_projects, folder))


def _forget_project(paths: AppPaths, folder: str, settings: Settings) -> int:
    from tokenpulse.config import settings as settings_io
    from tokenpulse.store.db import connect
    from tokenpulse.store.forget import forget_project, forget_project_in_backups, refuse_if_busy

    refuse_if_busy(paths)  # the app or a scan would write the project's calls back while we delete them
    if settings != settings_io.load(paths.settings_file):
        # first, so that a scan started right after this cannot bring the calls back from the logs
        settings_io.save(settings, paths.settings_file)
    conn = connect(paths.database)
    try:
        deleted = forget_project(conn, folder)
        from tokenpulse.insights.hooks import bring_up_to_date
        from tokenpulse.store.rollups import StoredRates

        bring_up_to_date(conn, StoredRates(conn), settings)  # rebuilds the local-hour rollup without the project
    finally:
        conn.close()
    in_backups = forget_project_in_backups(paths.backups_dir, folder)
    print(f"forgot {deleted:,} call(s) of {folder} in the store and {in_backups:,} in its backups;"
          " later scans leave this folder out (settings: forgotten_projects)")
    return EXIT_OK
