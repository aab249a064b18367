"""`tokenpulse sync` (share this device's ledger through a synchronised folder, read the others') and the
`--devices` choice of every report."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tokenpulse.cli.errors import UsageError
from tokenpulse.config.paths import AppPaths

if TYPE_CHECKING:
    from tokenpulse.config.settings import Settings
    from tokenpulse.store.sync.inbox import DeviceState
    from tokenpulse.store.sync.scope import DeviceScope
    from tokenpulse.workspace import Workspace

EXIT_OK, EXIT_USAGE, EXIT_STORE = 0, 2, 3


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], arguments: bool = True) -> None:
    """`sync`, with its arguments unless `arguments` is False (another command is being run)."""
    sync = commands.add_parser(
        "sync", help="share this device's ledger through a folder you already synchronise, and read the others'",
        description="Publish this device's ledger (numbers only) into SYNC/tokenpulse/devices/<id>/ and read every"
                    " other device's from there. Any folder synchroniser works (Syncthing, a NAS share, Nextcloud).")
    if not arguments:
        return
    from tokenpulse.config.settings import PROJECT_PATH_MODES

    folder = sync.add_mutually_exclusive_group()
    folder.add_argument("--folder", metavar="DIR", help="the synchronised folder to use from now on (remembered)")
    folder.add_argument("--no-folder", action="store_true",
                        help="stop sharing (what was published stays in the folder; the copies read stay here)")
    sync.add_argument("--name", help="this device's name as the other devices show it (default: the host name)")
    sync.add_argument("--project-paths", choices=PROJECT_PATH_MODES,
                      help="publish project paths in full, as their folder name (the default) or hashed")
    sync.add_argument("--forget-device", metavar="NAME", action="append",
                      help="stop reading this device and delete its copy here (repeatable)")
    sync.add_argument("--json", action="store_true", help="print the devices as JSON")


def add_devices_option(report: argparse.ArgumentParser) -> None:
    report.add_argument("--devices", action="append", metavar="this|all|NAME",
                        help="which devices' calls: this one, all, or a device's name (repeatable); default: this"
                             " device until a sync folder is set, then all")


# --- tokenpulse sync --------------------------------------------------------------------------------------

def run(args: argparse.Namespace, paths: AppPaths) -> int:
    from tokenpulse.config import settings as settings_io
    from tokenpulse.store.db import StoreError

    try:
        settings = settings_io.load(paths.settings_file)
    except settings_io.SettingsError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_STORE
    changed = _changes(settings, args)
    if changed != settings:
        try:
            settings_io.save(changed, paths.settings_file)
        except OSError as exc:
            print(f"tokenpulse: the settings could not be saved: {exc}", file=sys.stderr)
            return EXIT_STORE
        settings = changed
    try:
        from tokenpulse.workspace import Workspace

        workspace = Workspace(paths, settings=settings)
    except StoreError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_STORE
    try:
        if args.forget_device:
            settings = _forget(workspace, args.forget_device)
            workspace.settings = settings
        if not settings.sync.folder:
            if args.no_folder:
                print("sharing stopped: this device no longer publishes; the copies of other devices read before"
                      " stay here (forget them with --forget-device)")
                return EXIT_OK
            raise UsageError("no sync folder is set: choose one with `tokenpulse sync --folder DIR` (a folder that"
                             " Syncthing, a NAS share or any synchroniser keeps the same on your machines)")
        return _sync(workspace, args.json)
    finally:
        workspace.close()


def _changes(settings: Settings, args: argparse.Namespace) -> Settings:
    from tokenpulse.config import settings as settings_io
    from tokenpulse.store.sync.identity import clean_name

    sync = settings.sync
    if args.folder:
        folder = Path(args.folder).expanduser().absolute()
        if not folder.is_dir():
            raise UsageError(f"the folder {folder} does not exist: create it (or mount it, or let the synchroniser"
                             " create it) first")
        sync = settings_io.with_changes(sync, folder=str(folder))
    if args.no_folder:
        sync = settings_io.with_changes(sync, folder=None)
    if args.name is not None:
        name = clean_name(args.name)
        if not name:
            raise UsageError("--name needs a name of printable characters")
        sync = settings_io.with_changes(sync, device_name=name)
    if args.project_paths:
        sync = settings_io.with_changes(sync, project_paths=args.project_paths)
    return settings_io.with_changes(settings, sync=sync)


def _forget(workspace: Workspace, names: list[str]) -> Settings:
    from tokenpulse.config import settings as settings_io
    from tokenpulse.service.sync import device
    from tokenpulse.store.sync import inbox

    own = device(workspace)
    settings = workspace.settings
    known = _all_known(workspace, own.id)
    for name in names:
        key = name.strip().lower()
        if key in (own.name.lower(), "this") or (len(key) >= 4 and own.id.startswith(key)):
            raise UsageError("this device cannot be forgotten here; stop sharing with `tokenpulse sync --no-folder`")
        matches = [s for s in known if key == s.name.lower() or (len(key) >= 4 and s.device_id.startswith(key))]
        if len(matches) != 1:
            listed = ", ".join(f"{s.name} ({s.device_id[:8]})" for s in known) or "none"
            raise UsageError(f"{'more than one device is' if matches else 'no device is'} called {name!r}"
                             f" (known: {listed}; an id's first digits also work)")
        gone = matches[0]
        forgotten = tuple(dict.fromkeys((*settings.sync.forgotten_devices, gone.device_id)))
        settings = settings_io.with_changes(settings, sync=settings_io.with_changes(settings.sync,
                                                                                    forgotten_devices=forgotten))
        settings_io.save(settings, workspace.paths.settings_file)
        inbox.forget(workspace.paths.data_dir, gone.device_id)
        where = (f" (its files in {settings.sync.folder}/tokenpulse/devices/{gone.device_id} are that device's own:"
                 " delete them yourself if that machine is gone for good)") if settings.sync.folder else ""
        print(f"forgot {gone.name} ({gone.device_id}): its copy here is deleted and it is not read again{where}")
    return settings


def _all_known(workspace: Workspace, own_id: str) -> list[DeviceState]:
    """The devices kept here and those publishing in the sync folder (also ones whose ledger is unusable)."""
    from tokenpulse.store.sync.inbox import DeviceState, kept_devices
    from tokenpulse.store.sync.layout import MANIFEST, devices_root
    from tokenpulse.store.sync.manifest import ManifestError, read_manifest

    found = {s.device_id: s for s in kept_devices(workspace.paths.data_dir, own_id)}
    folder = workspace.settings.sync.folder
    if folder:
        try:
            entries = list(devices_root(Path(folder)).iterdir())
        except OSError:
            entries = []
        for entry in entries:
            if entry.name in found or entry.name == own_id:
                continue
            try:
                m = read_manifest(entry / MANIFEST)
            except (OSError, ManifestError):
                continue
            if m.device_id == entry.name:
                found[m.device_id] = DeviceState(m.device_id, m.device_name)
    return sorted(found.values(), key=lambda s: (s.name.lower(), s.device_id))


def _sync(workspace: Workspace, as_json: bool) -> int:
    from tokenpulse.cli.progress import ProgressBar
    from tokenpulse.clock import zone
    from tokenpulse.service.sync import sync_now
    from tokenpulse.store.sync.manifest import ledger_counts

    bar = ProgressBar()
    summary = workspace.scan(progress=bar, wait=30.0, daily_backup=True)
    bar.finish()
    if summary is None:
        print("tokenpulse: another tokenpulse is scanning; publishing the store as it is", file=sys.stderr)
    now = workspace.clock.now_ms()
    result = sync_now(workspace, now)
    tz = zone(workspace.settings.timezone)
    own_counts = result.published.manifest.counts if result.published else ledger_counts(workspace.conn)
    pulled = result.pulled
    devices = list(pulled.devices) if pulled else []
    from tokenpulse.store.sync.ledgers import unique_labels

    labels = unique_labels([(result.device.id, result.device.name)] + [(s.device_id, s.name) for s in devices])
    rows: list[dict[str, object]] = [{
        "name": labels[0], "id": result.device.id, "this": True, "calls": own_counts.calls,
        "last_call": _local(own_counts.last_call_ms, tz), "copy_written": _local(now if result.published else None, tz),
        "age_seconds": 0 if result.published else None, "problem": result.publish_problem, "notes": [],
        "shared_calls": 0}]
    for label, s in zip(labels[1:], devices):
        m = s.manifest
        rows.append({
            "name": label, "id": s.device_id, "this": False, "calls": m.counts.calls if m else 0,
            "last_call": _local(m.counts.last_call_ms if m else None, tz),
            "copy_written": _local(m.written_ms if m else None, tz),
            "age_seconds": (now - m.written_ms) // 1000 if m else None,
            "problem": s.problem or (None if m else "no usable copy yet"), "notes": list(s.notes),
            "shared_calls": s.shared_calls})
    folder_problem = result.publish_problem or (pulled.problem if pulled else None)
    if as_json:
        print(json.dumps({"folder": str(result.folder), "published": result.published is not None,
                          "problem": pulled.problem if pulled else None, "devices": rows,
                          "ignored": list(pulled.ignored) if pulled else []}, indent=2))
    else:
        print(_table(result.folder, rows, pulled.ignored if pulled else ()))
    if folder_problem:
        print(f"tokenpulse: {folder_problem}", file=sys.stderr)
        return EXIT_STORE
    return EXIT_OK


def _table(folder: Path | None, rows: list[dict[str, object]], ignored: tuple[str, ...]) -> str:
    from tokenpulse.cli.table import count, plain
    from tokenpulse.presenters.devices import age_text
    from tokenpulse.presenters.plain import no_markup

    body = []
    for r in rows:
        age = r["age_seconds"]
        copy = ("published now" if r["this"] else f"written {age_text(int(age) * 1000)}") if isinstance(age, int) \
            else ("not published" if r["this"] else "none")
        body.append([str(r["name"]) + (" (this device)" if r["this"] else ""), str(r["last_call"] or "—"),
                     count(int(str(r["calls"]))), copy])
    out = [f"Sync folder: {folder}", "",
           plain(["Device", "Last call", "Calls", "Copy"], body, [False, False, True, False])]
    for r in rows:
        if r["problem"]:
            out.append(f"{r['name']}: {no_markup(str(r['problem']))}")
        shared = r.get("shared_calls")
        if isinstance(shared, int) and shared:
            out.append(f"{r['name']}: {shared:,} of its calls are also in this device's store (the same logs read"
                       " on both?); all-devices totals count them twice")
        for note in r["notes"] if isinstance(r["notes"], list) else []:
            out.append(f"{r['name']}: {no_markup(str(note))} (the synchroniser's; safe to leave)")
    out.extend(f"ignored in the devices folder: {no_markup(i)}" for i in ignored)
    return "\n".join(out)


def _local(ms: int | None, tz: ZoneInfo) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


# --- --devices on the reports -----------------------------------------------------------------------------

@contextmanager
def report_devices(workspace: Workspace, requested: list[str] | None, *, look: bool
                   ) -> Iterator[tuple[sqlite3.Connection, DeviceScope | None]]:
    """The connection and device scope a report reads: this device's store, or it with the chosen devices'
    copies attached read-only. With `look`, the sync folder is read first (the newest good copies)."""
    from tokenpulse.service.sync import UnknownDevice, choice, device, ledger_set, others
    from tokenpulse.store.sync.identity import IdentityError
    from tokenpulse.store.sync.inbox import pull
    from tokenpulse.store.sync.ledgers import TooManyDevices, attach, open_reader

    wanted = choice(workspace.settings, requested)
    if wanted == ("this",):
        yield workspace.conn, None
        return
    try:
        own = device(workspace)
    except IdentityError as exc:
        raise UsageError(str(exc)) from exc
    sync = workspace.settings.sync
    states = None
    if look and sync.folder:
        report = pull(Path(sync.folder), workspace.paths.data_dir, own.id, workspace.paths.database,
                      workspace.clock.now_ms(), sync.forgotten_devices)
        states = list(report.devices)
        for problem in ([report.problem] if report.problem else []) + [f"{s.name}: {s.problem}" for s in states
                                                                         if s.problem]:
            print(f"tokenpulse: {problem}", file=sys.stderr)
    try:
        chosen = ledger_set(wanted, own, states if states is not None else others(workspace, own))
    except UnknownDevice as exc:
        raise UsageError(str(exc)) from exc
    if chosen.this_only:
        yield workspace.conn, None
        return
    reader = open_reader(workspace.paths.database)
    try:
        try:
            scope = attach(reader, chosen)
        except TooManyDevices as exc:
            raise UsageError(str(exc)) from exc
        yield reader, scope
    finally:
        reader.close()
