"""Plan limits across devices (issue 14): a plan window is the account's, so each window shows the newest reading
from any device, naming the device, and is never a sum; reminders keep to this device's own readings."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sync_helpers import Device

from helpers import cli_env, run_cli
from tokenpulse.config import settings as settings_io
from tokenpulse.insights.plan_limits import WindowStatus, limit_facts, windows
from tokenpulse.quota import LimitRecords, LimitSnapshot
from tokenpulse.service.sync import device, ledger_set, others
from tokenpulse.store import limits as store_limits
from tokenpulse.store.sync.ledgers import LedgerSet, attach, open_reader
from tokenpulse.store.sync.scope import DeviceScope

MIN = 60_000


def _record(d: Device, *snaps: LimitSnapshot) -> None:
    ws = d.workspace()
    try:
        store_limits.write_records(ws.conn, LimitRecords(list(snaps)))
    finally:
        ws.close()


def _readings(a: Device, b: Device, a_snaps: list[LimitSnapshot], b_snaps: list[LimitSnapshot]) -> None:
    """Each device records its readings and publishes; `a` takes `b`'s copy."""
    _record(a, *a_snaps)
    _record(b, *b_snaps)
    assert b.sync().publish_problem is None
    assert a.sync().publish_problem is None


@contextmanager
def _all_devices(d: Device) -> Iterator[tuple[sqlite3.Connection, DeviceScope]]:
    ws = d.workspace()
    conn = open_reader(ws.paths.database)
    try:
        own = device(ws)
        yield conn, attach(conn, ledger_set(("all",), own, others(ws, own)))
    finally:
        conn.close()
        ws.close()


def _by_key(found: tuple[WindowStatus, ...]) -> dict[tuple[str, int], tuple[float, str, bool]]:
    return {(w.source, w.window_minutes): (w.used_percent, w.device, w.remote) for w in found}


def test_the_newest_reading_of_each_window_wins_with_its_device(pair: tuple[Device, Device]) -> None:
    a, b = pair
    now = a.clock.now_ms()
    _readings(a, b, [
        LimitSnapshot("codex", 300, 30.0, now - 50 * MIN, now + 60 * MIN, "plus"),  # older than b's
        LimitSnapshot("codex", 10080, 12.0, now - 5 * MIN, now + 3 * 86_400_000, "plus"),  # newer than b's
    ], [
        LimitSnapshot("codex", 300, 55.0, now - 10 * MIN, now + 60 * MIN, "plus"),
        LimitSnapshot("codex", 10080, 40.0, now - 60 * MIN, now + 3 * 86_400_000, "plus"),
        LimitSnapshot("claude-code", 300, 70.0, now - 20 * MIN, now + 90 * MIN, via="statusline"),  # b's only
    ])
    with _all_devices(a) as (conn, scope):
        found = windows(conn, scope)
        assert _by_key(found) == {
            ("codex", 300): (55.0, "workstation", True),  # b saw it last: 55 %, not 30 %, not 85 %
            ("codex", 10080): (12.0, "laptop", False),  # this device's newer reading beats the older remote one
            ("claude-code", 300): (70.0, "workstation", True),
        }
        assert {w.seen_ms for w in found} == {now - 10 * MIN, now - 5 * MIN, now - 20 * MIN}  # its age is its own
    ws = a.workspace()
    try:  # reminders read this device's own readings only
        assert _by_key(limit_facts(ws.conn, now).windows) == {("codex", 300): (30.0, "", False),
                                                              ("codex", 10080): (12.0, "", False)}
    finally:
        ws.close()


def test_a_repeated_reading_counts_from_when_it_was_last_seen(pair: tuple[Device, Device]) -> None:
    """A reading first seen earlier but confirmed later (re-emitted) is the newer one."""
    a, b = pair
    now = a.clock.now_ms()
    _readings(a, b, [LimitSnapshot("codex", 300, 20.0, now - 90 * MIN, now + 60 * MIN, seen_ms=now - MIN)],
              [LimitSnapshot("codex", 300, 25.0, now - 30 * MIN, now + 60 * MIN)])
    with _all_devices(a) as (conn, scope):
        assert _by_key(windows(conn, scope)) == {("codex", 300): (20.0, "laptop", False)}


def test_the_summary_shows_the_newest_reading_from_any_device(pair: tuple[Device, Device]) -> None:
    from tokenpulse.clock import zone
    from tokenpulse.presenters.limits_text import reading
    from tokenpulse.service.picture import picture
    from tokenpulse.snapshot import build_everywhere

    a, b = pair
    now = a.clock.now_ms()
    _readings(a, b, [LimitSnapshot("codex", 300, 30.0, now - 50 * MIN, now + 60 * MIN)],
              [LimitSnapshot("codex", 300, 55.0, now - 10 * MIN, now + 60 * MIN)])
    tz = zone("UTC")
    with _all_devices(a) as (conn, scope):
        ws = a.workspace()
        try:
            snap = picture(ws, ws.settings, now, lambda n, z: build_everywhere(conn, scope, n, z, (), LedgerSet(())))
            alone = picture(ws, ws.settings, now, lambda n, z: None)
        finally:
            ws.close()
    assert [(w.used_percent, w.device) for w in snap.limits] == [(55.0, "workstation")]
    assert reading(snap.limits[0], now, tz) == "5 h: 55 % · resets in 1 h · as of 10 min ago on workstation"
    assert [(w.used_percent, w.device) for w in alone.limits] == [(30.0, "")]  # no other device read: its own


def test_limits_json_names_the_device(pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    import json

    a, b = pair
    now = int(time.time() * 1000)  # the CLI reads the real clock: readings of the last hour
    _readings(a, b, [LimitSnapshot("codex", 300, 30.0, now - 50 * MIN, now + 60 * MIN, "plus"),
                     LimitSnapshot("codex", 10080, 12.0, now - 5 * MIN, None, "plus")],
              [LimitSnapshot("codex", 300, 55.0, now - 10 * MIN, now + 60 * MIN, "plus"),
               LimitSnapshot("codex", 10080, 40.0, now - 60 * MIN, None, "plus")])
    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    code, out, err = run_cli(capsys, "limits", "--json", "--no-scan")
    assert code == 0, err
    rows = {r["window"]: (r["used_percent"], r["device"], r["observed_at"]) for r in json.loads(out)}

    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")

    assert {k: v[:2] for k, v in rows.items()} == {"5h": (55.0, "workstation"), "7d": (12.0, "laptop")}
    assert rows["5h"][2][:16] == iso(now - 10 * MIN)[:16]  # the reading's own age, from the device that saw it
    code, out, err = run_cli(capsys, "limits", "--no-scan")
    assert code == 0, err
    assert "55 %" in out and "on workstation" in out and "30 %" not in out and "85 %" not in out
    # without a sync folder: this device's readings only, and no device field
    settings_io.save(settings_io.with_changes(a.settings, sync=settings_io.with_changes(a.settings.sync, folder=None)),
                     a.data / "settings.toml")
    code, out, err = run_cli(capsys, "limits", "--json", "--no-scan")
    assert code == 0, err
    assert [(r["window"], r["used_percent"], "device" in r) for r in json.loads(out)] == [("5h", 30.0, False),
                                                                                         ("7d", 12.0, False)]
