"""Every default table fits 80 columns whatever the names from the logs (issue 13 §4): long project folders,
long model names and long device names are cut in the middle with "…" (numbers never), and `--wide` and
`--json` keep them whole."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, run_cli, write_lines
from sync.sync_helpers import Device
from tokenpulse.cli.style import Look
from tokenpulse.config import settings as settings_io
from tokenpulse.presenters.numbers import compact

LONG_DEVICE = "build-server-in-the-basement-rack-seven-of-the-lab"
LONG_MODEL = "claude-sonnet-4-5-a-private-deployment-with-an-unusually-long-name"
LONG_FOLDER = "/home/u/clients/a-client-with-a-long-name/monorepo-of-many-services/services/billing-and-invoicing"
REPORTS = ("daily", "weekly", "monthly", "sessions", "projects")


def _long_names(device: Device, n: int) -> None:
    lines = [claude_line(msg_id=f"{device.name}-long{k}", req_id=f"{device.name}-rl{k}", output=123_456 + k,
                         input=7_654_321, cache_read=98_765_432, cache_write=1_234_567, model=LONG_MODEL,
                         ts=f"2026-03-0{2 + k}T10:00:00.000Z", session=f"{device.name}-long-{k}",
                         cwd=f"{LONG_FOLDER}-{len(device.name)}") for k in range(n)]
    write_lines(device.claude / "projects" / "long" / "long.jsonl", lines)


@pytest.fixture
def devices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Device:
    """Two devices with long names everywhere, synced; the CLI pointed at the first."""
    shared = tmp_path / "Sync"
    shared.mkdir()
    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, LONG_DEVICE, shared)
    a.add_calls(30, seed=5)
    b.add_calls(20, seed=6, day0=2)
    _long_names(a, 3)
    _long_names(b, 2)
    for d in (a, b, a):
        d.scan()
        assert d.sync().publish_problem is None
    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    monkeypatch.setenv("HOME", str(a.root / "home"))
    return a


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > 80]


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("scope", [[], ["--devices", "this"], ["--devices", "all"]])
def test_every_line_fits_80_columns_whatever_the_names(devices: Device, capsys: pytest.CaptureFixture[str],
                                                       report: str, scope: list[str]) -> None:
    extras = [[], ["--breakdown", "model"], ["--breakdown", "agent"]] if report in REPORTS[:3] else [[]]
    for extra in extras:
        code, out, err = run_cli(capsys, report, "--tz", "UTC", "--no-scan", *scope, *extra)
        assert code == 0, err
        assert not _too_wide(out), "\n" + out
        assert "Total" in out


@pytest.mark.parametrize("report", ["sessions", "projects"])
def test_long_names_are_cut_in_the_middle_and_whole_in_wide_and_json(devices: Device,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     report: str) -> None:
    out = run_cli(capsys, report, "--tz", "UTC", "--no-scan", "--devices", "all")[1]
    head = out.splitlines()[0]
    assert "Device" in head
    rows = [line for line in out.splitlines() if not line.startswith("  ")]  # not the session ids' lines
    assert not [line for line in rows if LONG_DEVICE in line], out
    cut_name = re.compile(r"(?:^|\s)build[\w-]*…[\w-]*-lab(?:\s|$)", re.MULTILINE)  # its start and end shown
    assert cut_name.search("\n".join(rows)), out
    wide = run_cli(capsys, report, "--tz", "UTC", "--no-scan", "--devices", "all", "--wide")[1]
    assert LONG_DEVICE in wide and f"{LONG_FOLDER}-6" in wide
    data = json.loads(run_cli(capsys, report, "--tz", "UTC", "--no-scan", "--devices", "all", "--json")[1])
    assert LONG_DEVICE in {r["device"] for r in data}


def test_numbers_are_never_cut(devices: Device, capsys: pytest.CaptureFixture[str]) -> None:
    """The cost and token columns keep every character; only names give up room."""
    for report in ("sessions", "projects"):
        data = json.loads(run_cli(capsys, report, "--no-scan", "--devices", "all", "--json")[1])
        out = run_cli(capsys, report, "--no-scan", "--devices", "all")[1]
        total = next(line for line in out.splitlines() if line.startswith("Total") or "chats" in line)
        assert "…" not in total
        assert compact(sum(r["output_tokens"] for r in data)) in total.split(), out
        assert f"${sum(r['cost_usd'] for r in data):,.2f}" in total.split(), out


def test_text_columns_give_up_room_widest_first_and_numbers_none() -> None:
    from tokenpulse.cli.table import Column, Row, cut, render

    assert cut("abcdefghij", 5) == "ab…ij" and cut("abcdefghij", 6) == "abc…ij" and cut("/a/b/cdef", 5, True) == "…cdef"
    columns: list[Column[tuple[str, str, str]]] = [
        Column("When", lambda r: r[0], whole=True), Column("Name", lambda r: r[1]),
        Column("Other", lambda r: r[2], flex=True, min_width=12), Column("Figure", lambda r: "1,234,567,890.12",
                                                                           numeric=True)]
    row = ("2026-03-02 10:00", "n" * 40 + "END", "o" * 30)
    lines = render(columns, [Row(row)], fit=True).splitlines()
    assert max(map(len, lines)) <= 80 and lines[-1].startswith("2026-03-02 10:00")
    assert "1,234,567,890.12" in lines[-1] and "END" in lines[-1] and "…" in lines[-1]
    narrow = render(columns, [Row(row)], fit=True, look=Look(width=40)).splitlines()
    assert "1,234,567,890.12" in narrow[-1] and narrow[-1].startswith("2026-03-02 10:00")
    assert [len(c) for c in narrow[0].split()] == [4, 4, 5, 6]  # headers whole: the floor of a text column
