"""End to end with a real synchroniser: two Syncthing instances on loopback, each with its own home and tokenpulse
data folder, sharing the sync folder; the all-devices report on each side equals the sum of both devices.

Fails instead of skipping in CI when Syncthing is missing (TP_REQUIRE_SYNCTHING=1, set by .ci/run).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import Device, per_day, summed
from syncthing_pair import Instance, syncthing_or_skip, wait_for

from helpers import REPO

pytestmark = pytest.mark.slow


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    exe = syncthing_or_skip()
    one = Instance(exe, tmp_path / "st-one", tmp_path / "one" / "Sync", "one")
    two = Instance(exe, tmp_path / "st-two", tmp_path / "two" / "Sync", "two")
    one.introduce(two)
    two.introduce(one)
    try:
        one.start()
        two.start()
        wait_for("the two Syncthing instances connect", lambda: one.connected_to(two) and two.connected_to(one),
                 90, [one, two])
        yield one, two
    finally:
        one.stop()
        two.stop()


def _report(device: Device) -> list[dict[str, object]]:
    """`tokenpulse daily --devices all --json` on that device, as a user would run it."""
    from tokenpulse.config import settings as settings_io

    settings_io.save(device.settings, device.data / "settings.toml")
    env = {"TOKENPULSE_HOME": str(device.data), "CLAUDE_CONFIG_DIR": str(device.claude),
           "CODEX_HOME": str(device.codex), "HOME": str(device.root / "home"), "TZ": "UTC",
           "PYTHONPATH": str(REPO / "app"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "tokenpulse", "daily", "--devices", "all", "--json", "--tz", "UTC"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _summed_report(rows: list[dict[str, object]]) -> dict[tuple[str, ...], dict[str, int]]:
    out: dict[tuple[str, ...], dict[str, int]] = {}
    for r in rows:
        key = (str(r["date"]), str(r["source"]), str(r["model"]))
        into = out.setdefault(key, {})
        for k in ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
                  "reasoning_tokens"):
            into[k] = into.get(k, 0) + int(r[k])  # type: ignore[call-overload]
    return out


def _has_copy_of(here: Device, there: Device, calls: int) -> bool:
    state = next((s for s in here.sync(publish_too=False).pulled.devices if s.device_id == there.id), None)
    return state is not None and state.manifest is not None and state.manifest.counts.calls == calls \
        and state.problem is None


def test_two_devices_through_syncthing(tmp_path: Path, instances: tuple[Instance, Instance]) -> None:
    one, two = instances
    a, b = Device(tmp_path, "laptop", one.folder), Device(tmp_path, "workstation", two.folder)
    a.add_calls(50, seed=21)
    b.add_calls(40, seed=22, day0=4)
    for d in (a, b):
        d.scan()
        assert d.sync().publish_problem is None
    calls_a, calls_b = (sum(c["calls"] for c in per_day(d).values()) for d in (a, b))
    wait_for("each side receives the other's ledger",
             lambda: _has_copy_of(a, b, calls_b) and _has_copy_of(b, a, calls_a), 120, [one, two])
    expected = summed(per_day(a), per_day(b))
    for d in (a, b):
        rows = _report(d)
        assert {r["device"] for r in rows} == {"laptop", "workstation"}
        assert _summed_report(rows) == {k: dict(v) for k, v in expected.items()}

    # B works on: new calls, published again, arrive at A as exactly those
    b.add_calls(13, seed=23, day0=6, days=2)
    b.scan()
    b.clock.advance(120)
    assert b.sync().publish_problem is None
    calls_b2 = sum(c["calls"] for c in per_day(b).values())
    assert calls_b2 == calls_b + 13 + 3
    wait_for("A receives B's newer ledger", lambda: _has_copy_of(a, b, calls_b2), 120, [one, two])
    assert _summed_report(_report(a)) == {k: dict(v) for k, v in summed(per_day(a), per_day(b)).items()}
    for inst in (one, two):
        bad, seen = inst.sockets()
        assert seen >= 2 and not bad, (seen, bad)  # its listener and the connection, all on loopback
    for inst in (one, two):
        assert not inst.settings_problems()  # Syncthing did not widen its own configuration while running


def test_the_socket_check_sees_a_socket_beyond_loopback() -> None:
    """The check the end-to-end test relies on can fail: a socket bound to every address is reported."""
    import os
    import socket

    from syncthing_pair import off_loopback

    with socket.socket() as wide, socket.socket() as narrow:
        wide.bind(("0.0.0.0", 0))
        wide.listen()
        narrow.bind(("127.0.0.1", 0))
        narrow.listen()
        bad, seen = off_loopback([os.getpid()])
        assert seen >= 2
        assert [b for b in bad if f":{wide.getsockname()[1]} " in b + " "] and not [
            b for b in bad if f":{narrow.getsockname()[1]} " in b + " "]


def test_a_missing_syncthing_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipped on a developer's machine without Syncthing, but a failure where CI requires it."""
    import shutil

    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setenv("TP_REQUIRE_SYNCTHING", "1")
    with pytest.raises(pytest.fail.Exception, match="TP_REQUIRE_SYNCTHING=1"):
        syncthing_or_skip()
    monkeypatch.delenv("TP_REQUIRE_SYNCTHING")
    with pytest.raises(pytest.skip.Exception):
        syncthing_or_skip()
