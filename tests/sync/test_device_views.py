"""The views over several devices: the charts' daily totals (from each device's rollups, in this device's zone,
whatever zone the other device keeps) equal the reports' per-day totals; more devices than SQLite can attach are
named; `tokenpulse sync` lists each device."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sync_helpers import Device, per_day

from helpers import cli_env, run_cli
from tokenpulse.config import settings as settings_io
from tokenpulse.insights import chart_data
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.service.sync import device, ledger_set, others
from tokenpulse.store import queries
from tokenpulse.store.queries import Filter
from tokenpulse.store.sync.ledgers import TooManyDevices, attach, open_reader


@pytest.mark.parametrize(("here", "there"), [("America/New_York", "Asia/Kolkata"), ("UTC", "UTC")])
def test_chart_days_equal_report_days_across_zones(tmp_path: Path, shared: Path, here: str, there: str) -> None:
    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, "workstation", shared)
    a.settings = settings_io.with_changes(a.settings, timezone=here)
    b.settings = settings_io.with_changes(b.settings, timezone=there)  # its local-hour rollup is kept in its own zone
    a.add_calls(80, seed=31)
    b.add_calls(70, seed=32, day0=1)
    for d in (a, b, a):
        d.scan()
        d.sync()
    tz = ZoneInfo(here)
    ws = a.workspace()
    conn = open_reader(ws.paths.database)
    try:
        own = device(ws)
        scope = attach(conn, ledger_set(("all",), own, others(ws, own)))
        reported: dict[str, int] = {}
        for row in queries.by_period(conn, "day", tz, Filter(devices=scope)):
            reported[row.period] = reported.get(row.period, 0) + row.totals.output_tokens
        span = chart_data.data_days(conn, tz, scope)
        assert span is not None
        daily = chart_data.daily(conn, tz, DayRange(*span), scope)
        charted = {day: t.output for day, t in zip(daily.days, daily.totals) if t.output}
        assert charted == reported
        assert {k: sum(v) for k, v in daily.output_by["device"].items()} == {
            "laptop": sum(c["output_tokens"] for c in per_day(a).values()),
            "workstation": sum(c["output_tokens"] for c in per_day(b).values())}
        rhythm = chart_data.rhythm(conn, tz, DayRange(*span), scope)
        assert sum(map(sum, rhythm.output)) == sum(reported.values())
    finally:
        conn.close()
        ws.close()


def test_more_devices_than_sqlite_attaches_are_named(pair: tuple[Device, Device]) -> None:
    a, _b = pair
    ws = a.workspace()
    conn = open_reader(ws.paths.database)
    try:
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        own = device(ws)
        with pytest.raises(TooManyDevices, match="left out: workstation"):
            attach(conn, ledger_set(("all",), own, others(ws, own)))
    finally:
        conn.close()
        ws.close()


def test_sync_command_lists_each_device(pair: tuple[Device, Device], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = pair
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    code, out, err = run_cli(capsys, "sync", "--folder", str(b.sync_dir), "--name", "laptop")
    assert code == 0, err
    assert "laptop (this device)" in out and "published now" in out and "workstation" in out
    code, out, err = run_cli(capsys, "sync", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [(d["name"], d["this"]) for d in data["devices"]] == [("laptop", True), ("workstation", False)]
    assert data["devices"][1]["calls"] == sum(c["calls"] for c in per_day(b).values())
    assert data["devices"][1]["problem"] is None and data["published"] is True
    code, _out, err = run_cli(capsys, "sync", "--folder", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err
    code, out, err = run_cli(capsys, "sync", "--no-folder")
    assert code == 0 and "sharing stopped" in out
    code, _out, err = run_cli(capsys, "sync")
    assert code == 2 and "no sync folder is set" in err
    code, out, err = run_cli(capsys, "daily", "--json", "--no-scan", "--devices", "all")
    assert code == 0 and {r["device"] for r in json.loads(out)} == {"laptop", "workstation"}  # copies kept


def test_syncing_opens_no_network_connection(tmp_path: Path, shared: Path) -> None:
    """Publishing, reading the other devices and the all-devices report: files only, inet sockets blocked."""
    from security.probes import audit, self_check_blocking

    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, "workstation", shared)
    a.add_calls(10, seed=41)
    b.add_calls(10, seed=42)
    with audit(block_inet=True) as rec:
        self_check_blocking(rec)
        for d in (a, b, a):
            d.scan()
            assert d.sync().publish_problem is None
        assert {k[3] for k in per_day(a, ["all"])} == {"laptop", "workstation"}
    assert rec.inet_attempts == []
