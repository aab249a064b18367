"""The app worker's share of syncing: publish after scans that added calls (at most every few minutes), look at
the other devices' folders every few minutes, and keep the all-machines totals for the snapshot.

Runs on the ingest worker's thread only. Publishing takes the scan lock briefly; the reads of other devices go
through a read-only connection of their own, so the worker's store connection never sees another ledger.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from tokenpulse.clock import Clock
from tokenpulse.service.sync import (
    BUSY,
    LOOK_EVERY_MS,
    PUBLISH_EVERY_MS,
    UnknownDevice,
    device,
    ledger_set,
    others,
    publish_ledger,
)
from tokenpulse.snapshot import DeviceLine, Everywhere, build_everywhere
from tokenpulse.store.sync.identity import Device, IdentityError
from tokenpulse.store.sync.inbox import DeviceState, pull
from tokenpulse.store.sync.ledgers import LedgerSet, TooManyDevices, attach, open_reader, unique_labels
from tokenpulse.store.sync.manifest import ledger_counts
from tokenpulse.store.sync.publish import last_published_ms
from tokenpulse.store.sync.scope import DeviceScope
from tokenpulse.workspace import Workspace

log = logging.getLogger(__name__)

RETRY_MS = 30_000  # a publish that met a busy scan lock is tried again this soon


class SyncChores:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._ws: Workspace | None = None
        self._own: Device | None = None
        self._dirty = False  # calls were added since the last publish
        self._published_ms: int | None = None
        self._looked_ms: int | None = None
        self._retry_ms: int | None = None
        self._reader: sqlite3.Connection | None = None
        self._scope: DeviceScope | None = None
        self._ledgers: LedgerSet | None = None
        self._lines: tuple[DeviceLine, ...] = ()
        self._identity_problem: str | None = None
        self._publish_problem: str | None = None
        self._look_problem: str | None = None
        self._view_problem: str | None = None

    @property
    def active(self) -> bool:
        return self._ws is not None and self._own is not None and bool(self._ws.settings.sync.folder)

    def open(self, ws: Workspace) -> None:
        """A (re)opened workspace: publish once after its first scan, and show the copies kept so far."""
        self.close()
        self._ws = ws
        self._identity_problem = self._publish_problem = self._look_problem = self._view_problem = None
        try:
            self._own = device(ws)
        except IdentityError as exc:
            self._own = None
            self._identity_problem = str(exc)
            return
        self._dirty = bool(ws.settings.sync.folder)
        self._published_ms = self._looked_ms = self._retry_ms = None
        self._refresh_view(others(ws, self._own))

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader, self._scope, self._ledgers, self._lines = None, None, None, ()
        self._ws = None

    def note_scan(self, calls_new: int) -> None:
        if calls_new:
            self._dirty = True

    def deadline(self) -> int | None:
        """When `run_due` has something to do next (None: nothing until calls are added)."""
        if not self.active:
            return None
        now = self._clock.now_ms()
        due = [now if self._looked_ms is None else self._looked_ms + LOOK_EVERY_MS]
        if self._dirty:
            due.append(now if self._published_ms is None else self._published_ms + PUBLISH_EVERY_MS)
        if self._retry_ms is not None:
            due.append(self._retry_ms)
        return min(due)

    def run_due(self, ready: bool) -> None:
        """Publish if calls were added and the last publish is old enough (only once the first import is done:
        a half-imported ledger would be published otherwise), then look at the other devices if it is time."""
        ws, own = self._ws, self._own
        if ws is None or own is None or not self.active:
            return
        now = self._clock.now_ms()
        folder = Path(ws.settings.sync.folder or "").expanduser()
        published = False
        publish_due = self._dirty and (self._published_ms is None or now - self._published_ms >= PUBLISH_EVERY_MS)
        if ready and publish_due and (self._retry_ms is None or now >= self._retry_ms):
            done, problem = publish_ledger(ws, own, folder, now, lock_wait_s=0.5)
            if done is None and problem == BUSY:
                self._retry_ms = now + RETRY_MS  # the CLI is scanning: soon, not in three minutes
            else:
                # tried (a problem waits the usual time before the next try, and is shown until then)
                self._dirty, self._published_ms, self._retry_ms = done is None, now, None
                self._publish_problem, published = problem, done is not None
        if published or self._looked_ms is None or now - self._looked_ms >= LOOK_EVERY_MS:
            report = pull(folder, ws.paths.data_dir, own.id, ws.paths.database, now, ws.settings.sync.forgotten_devices)
            self._looked_ms, self._look_problem = now, report.problem
            self._refresh_view(list(report.devices))

    @property
    def problems(self) -> tuple[str, ...]:
        """About the sync folder as a whole (device problems are in the device lines); shown until they go away."""
        return tuple(p for p in (self._identity_problem, self._publish_problem, self._look_problem,
                                 self._view_problem) if p)

    def _refresh_view(self, states: list[DeviceState]) -> None:
        """Re-attach the copies in use and rebuild the device lines."""
        ws, own = self._ws, self._own
        if ws is None or own is None:
            return
        self._view_problem = None
        self._scope, self._ledgers, self._lines = None, None, ()
        if not states:
            return
        labels = unique_labels([(own.id, own.name)] + [(s.device_id, s.name) for s in states])
        try:
            self._ledgers = ledger_set(("all",), own, states)
            if self._reader is None:
                self._reader = open_reader(ws.paths.database)
            self._scope = attach(self._reader, self._ledgers)
        except (UnknownDevice, TooManyDevices, sqlite3.Error) as exc:
            log.warning("other devices not read: %s", exc)
            self._view_problem = f"the other devices cannot be read: {exc}"
            self._scope = None
        counts = ledger_counts(ws.conn)
        this = DeviceLine(labels[0], True, counts.calls, counts.last_call_ms, last_published_ms(ws.paths.data_dir),
                          self._publish_problem, own.id)
        self._lines = (this, *[_line(label, s) for label, s in zip(labels[1:], states)])

    def everywhere(self, now_ms: int, tz: ZoneInfo) -> Everywhere | None:
        """The all-machines totals, when another device's copy is in use."""
        if self._reader is None or self._scope is None or self._ledgers is None or not self._scope.labelled:
            return None
        try:
            return build_everywhere(self._reader, self._scope, now_ms, tz, self._lines, self._ledgers)
        except sqlite3.Error as exc:
            log.warning("all-machines totals not read: %s", exc)
            return None


def _line(label: str, state: DeviceState) -> DeviceLine:
    m = state.manifest
    if m is None:
        return DeviceLine(label, False, 0, None, None, state.problem or "no usable copy yet", state.device_id)
    return DeviceLine(label, False, m.counts.calls, m.counts.last_call_ms, m.written_ms, state.problem,
                      state.device_id)
