"""§3 exactness: two devices with disjoint logs; all-devices totals equal the sum of each device's own, per day,
source and model; syncing again changes nothing; a device that re-publishes after new calls adds exactly those."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sync_helpers import Device, costs, per_day, summed

from helpers import cli_env, run_cli


def test_all_devices_equal_the_sum_of_each_device(pair: tuple[Device, Device]) -> None:
    a, b = pair
    own_a, own_b = per_day(a), per_day(b)
    assert own_a and own_b and set(own_a) != set(own_b)  # overlapping days, different keys: a real merge
    for here in (a, b):
        every = per_day(here, ["all"])
        assert {k[3] for k in every} == {"laptop", "workstation"}  # rows say which device they are
        assert summed(every) == summed(own_a, own_b)
        assert costs(here, ["all"]) == pytest.approx(costs(a) + costs(b), rel=1e-12)


def test_each_device_alone_through_its_copy_equals_its_own_store(pair: tuple[Device, Device]) -> None:
    a, b = pair
    assert summed(per_day(a, ["workstation"])) == summed(per_day(b))
    assert summed(per_day(b, ["laptop"])) == summed(per_day(a))
    assert summed(per_day(a, ["this", "workstation"])) == summed(per_day(a, ["all"]))


def test_syncing_again_changes_nothing(pair: tuple[Device, Device]) -> None:
    a, b = pair
    before = (per_day(a, ["all"]), per_day(b, ["all"]))
    for _ in range(3):
        for d in (a, b):
            d.clock.advance(600)
            d.scan()
            d.sync()
    assert (per_day(a, ["all"]), per_day(b, ["all"])) == before


def test_republishing_after_new_calls_adds_exactly_those(pair: tuple[Device, Device]) -> None:
    a, b = pair
    before_a_all, before_b_own = per_day(a, ["all"]), per_day(b)
    b.add_calls(17, seed=99, day0=5, days=3)
    b.scan()
    added = {k: v - before_b_own.get(k, type(v)()) for k, v in per_day(b).items()}
    added = {k: v for k, v in added.items() if +v}
    assert sum(v["calls"] for v in added.values()) == 17 + 3  # 17 Claude calls and a Codex chat of three
    assert summed(per_day(a, ["all"])) == summed(before_a_all)  # not published yet: A sees nothing new
    b.clock.advance(60)
    b.sync()
    a.clock.advance(60)
    a.sync()
    assert summed(per_day(a, ["all"])) == summed(before_a_all, added)


def test_own_folder_is_never_read_back(pair: tuple[Device, Device]) -> None:
    a, _b = pair
    result = a.sync()
    assert [s.name for s in result.pulled.devices] == ["workstation"]
    assert not (a.data / "devices" / a.id).exists()


def test_cli_reports_with_devices(pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`--devices` on the reports: `device` in JSON rows only when more than one device is selected; the
    default is all devices once a sync folder is set."""
    a, b = pair
    from tokenpulse.config import settings as settings_io

    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)

    def rows(*args: str) -> list[dict[str, object]]:
        code, out, err = run_cli(capsys, "daily", "--json", "--no-scan", *args)
        assert code == 0, err
        return json.loads(out)

    default, every, this, other = rows(), rows("--devices", "all"), rows("--devices", "this"), \
        rows("--devices", "workstation")
    assert default == every and all(r["device"] in ("laptop", "workstation") for r in every)
    assert all("device" not in r for r in this + other)
    both = rows("--devices", "this", "--devices", "WorkStation")  # names match whatever their case
    assert both == every
    total = sum(r["output_tokens"] for r in every)  # type: ignore[misc]
    assert total == sum(r["output_tokens"] for r in this + other)  # type: ignore[misc]
    code, _out, err = run_cli(capsys, "daily", "--devices", "nas")
    assert code == 2 and "no device is called 'nas'" in err and "workstation" in err
    for report in ("weekly", "monthly", "sessions", "projects"):
        code, out, err = run_cli(capsys, report, "--json", "--no-scan")
        assert code == 0, err
        assert {r["device"] for r in json.loads(out)} == {"laptop", "workstation"}
    del b


def test_default_is_this_device_until_a_folder_is_set(tmp_path: Path) -> None:
    from tokenpulse.config.settings import Settings, Sync
    from tokenpulse.service.sync import choice

    assert choice(Settings()) == ("this",)
    assert choice(Settings(sync=Sync(folder=str(tmp_path)))) == ("all",)
    assert choice(Settings(sync=Sync(folder=str(tmp_path), devices=("this",)))) == ("this",)  # remembered
    assert choice(Settings(sync=Sync(folder=str(tmp_path))), ["laptop,nas"]) == ("laptop", "nas")


def _published(row: dict[str, object]) -> dict[str, object]:
    """A row with its project as a device publishes it by default (its folder's name)."""
    project = row.get("project")
    return {**row, "project": Path(project).name} if isinstance(project, str) else row


def test_every_report_over_all_devices_is_each_devices_own_rows(pair: tuple[Device, Device],
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Over all devices, each device's rows (waste included: each chat measured against its own device's chat
    figures, whose ids are per device) are exactly the rows that device's own store gives on that device."""
    from tokenpulse.config import settings as settings_io

    def rows(device: Device, report: str, devices: str) -> list[str]:
        settings_io.save(device.settings, device.data / "settings.toml")
        cli_env(monkeypatch, device.root, claude=device.claude, codex=device.codex, data=device.data)
        code, out, err = run_cli(capsys, report, "--json", "--no-scan", f"--devices={devices}")
        assert code == 0, err
        return [json.dumps(_published(r), sort_keys=True) for r in json.loads(out)]

    a, b = pair
    for report in ("daily", "sessions", "projects"):
        own = {"laptop": rows(a, report, "this"), "workstation": rows(b, report, "this")}
        every = [json.loads(r) for r in rows(a, report, "all")]
        for name, alone in own.items():
            mine = [json.dumps(_published({k: v for k, v in r.items() if k != "device"}), sort_keys=True)
                    for r in every if r["device"] == name]
            assert sorted(mine) == sorted(alone), "\n".join([report, name, *sorted(set(mine) ^ set(alone))])
            assert sum(json.loads(r)["waste_tokens"] for r in mine) > 0, (report, name)  # the waste is compared


def test_tables_over_several_devices_say_which(pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    a, _b = pair
    from tokenpulse.config import settings as settings_io

    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    code, out, err = run_cli(capsys, "daily", "--no-scan", "--devices", "all")  # each day per device by default
    assert code == 0, err
    assert "└ laptop" in out and "└ workstation" in out
    code, out, err = run_cli(capsys, "daily", "--no-scan", "--devices", "all", "--breakdown", "agent")
    assert code == 0 and "└ laptop" not in out and "└ Claude Code" in out
    for report in ("sessions", "projects"):
        code, out, err = run_cli(capsys, report, "--no-scan", "--devices", "all")
        assert code == 0, err
        assert "Device" in out.splitlines()[0] and "workstation" in out
    code, _out, err = run_cli(capsys, "daily", "--no-scan", "--devices", "this", "--breakdown", "device")
    assert code == 2 and "--breakdown device needs more than one device" in err
