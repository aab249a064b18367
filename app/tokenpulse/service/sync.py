"""The policy over store/sync: which devices a view shows, and one sync (publish, then read the others).

Defaults: a view shows this device until a sync folder is set, then all devices, unless the user chose
otherwise in the app (remembered in the settings). Publishing needs the scan lock: the ledger's calls and its
chart rollups must be copied as one consistent whole, never between a scan's two steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokenpulse.clock import zone
from tokenpulse.config.settings import Settings
from tokenpulse.store.sync.identity import Device, IdentityError, this_device
from tokenpulse.store.sync.inbox import DeviceState, PullReport, kept_devices, pull
from tokenpulse.store.sync.layout import SyncError
from tokenpulse.store.sync.ledgers import Ledger, LedgerSet, unique_labels
from tokenpulse.store.sync.publish import Published, publish
from tokenpulse.workspace import Workspace

PUBLISH_EVERY_MS = 3 * 60_000  # the app publishes at most this often after scans that added calls
LOOK_EVERY_MS = 5 * 60_000  # and looks at the other devices' folders this often
STALE_AFTER_MS = 2 * 86_400_000  # a device that has not published for this long is shown as stale
LOCK_WAIT_S = 2.0
BUSY = "another tokenpulse is scanning; this device's ledger will be published after it"


class UnknownDevice(ValueError):
    """A device name that matches no known device; the message lists the known ones."""


def device(ws: Workspace) -> Device:
    """This device: its id (made on first use) and its name (the setting, else the host name)."""
    return this_device(ws.paths.data_dir, ws.settings.sync.device_name)


def choice(settings: Settings, requested: Sequence[str] | None = None) -> tuple[str, ...]:
    """What to show: the devices asked for, else the remembered choice, else this device until a sync folder is
    set and all devices after."""
    names = tuple(n.strip() for v in requested or () for n in v.split(",") if n.strip())
    if names:
        return names
    if settings.sync.devices:
        return settings.sync.devices
    return ("all",) if settings.sync.folder else ("this",)


def others(ws: Workspace, own: Device) -> list[DeviceState]:
    """The other devices whose copies this device keeps (without looking at the sync folder)."""
    return kept_devices(ws.paths.data_dir, own.id, ws.settings.sync.forgotten_devices)


def ledger_set(wanted: Sequence[str], own: Device, known: Sequence[DeviceState]) -> LedgerSet:
    """The ledgers for `wanted` ("this", "all", device names, labels or id prefixes), this device first.

    Raises UnknownDevice for a name no device has, or a device without a usable copy yet.
    """
    labels = unique_labels([(own.id, own.name)] + [(s.device_id, s.name) for s in known])
    mine = Ledger(labels[0], own.id, None)
    theirs = [(Ledger(label, s.device_id, s.copy), s) for label, s in zip(labels[1:], known)]
    chosen: list[Ledger] = []

    def add(ledger: Ledger) -> None:
        if ledger not in chosen:
            chosen.append(ledger)

    for name in wanted:
        key = name.lower()
        if key == "this":
            add(mine)
        elif key == "all":
            add(mine)
            for ledger, state in theirs:
                if state.copy is not None:
                    add(ledger)
        elif key in (mine.label.lower(), own.name.lower()) or (len(key) >= 4 and own.id.startswith(key)):
            add(mine)
        else:
            matches = [(ledger, s) for ledger, s in theirs if key in (ledger.label.lower(), s.name.lower())
                       or (len(key) >= 4 and s.device_id.startswith(key))]
            if len(matches) != 1:
                names = ", ".join(["this", "all", *[lg.label for lg in (mine, *[t[0] for t in theirs])]])
                what = "more than one device is" if matches else "no device is"
                raise UnknownDevice(f"{what} called {name!r} (known: {names})")
            ledger, state = matches[0]
            if state.copy is None:
                raise UnknownDevice(f"device {ledger.label!r} has no usable copy yet: {state.problem or 'none taken'}")
            add(ledger)
    mine_first = sorted(chosen, key=lambda lg: (lg.path is not None, lg.label.lower()))
    return LedgerSet(tuple(mine_first))


@dataclass(frozen=True, slots=True)
class SyncResult:
    device: Device
    folder: Path | None
    published: Published | None = None
    publish_problem: str | None = None
    pulled: PullReport | None = None


def sync_now(ws: Workspace, now_ms: int, *, publish_too: bool = True, lock_wait_s: float = LOCK_WAIT_S) -> SyncResult:
    """Publish this device's ledger (unless asked not to) and take the other devices' newest good copies."""
    try:
        own = device(ws)
    except IdentityError as exc:
        return SyncResult(Device("", ws.settings.sync.device_name or "this device"), None, publish_problem=str(exc))
    folder = Path(ws.settings.sync.folder).expanduser() if ws.settings.sync.folder else None
    if folder is None:
        return SyncResult(own, None)
    published, problem = (publish_ledger(ws, own, folder, now_ms, lock_wait_s) if publish_too else (None, None))
    pulled = pull(folder, ws.paths.data_dir, own.id, ws.paths.database, now_ms, ws.settings.sync.forgotten_devices)
    return SyncResult(own, folder, published, problem, pulled)


def publish_ledger(ws: Workspace, own: Device, folder: Path, now_ms: int,
                   lock_wait_s: float = LOCK_WAIT_S) -> tuple[Published | None, str | None]:
    """(what was published, or None; a problem in plain words, or None)."""
    if not ws.lock.acquire(lock_wait_s):
        return None, BUSY
    try:
        ws.bring_up_to_date()  # rollups current: a stopped scan's calls are rolled up before they are published
        return publish(ws.paths.database, folder, ws.paths.data_dir, own, project_paths=ws.settings.sync.project_paths,
                       zone=zone(ws.settings.timezone).key, now_ms=now_ms), None
    except SyncError as exc:
        return None, str(exc)
    finally:
        ws.lock.release()
