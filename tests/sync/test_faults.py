"""What a synchroniser can do to the files, simulated with file copies: each is skipped, or the last good copy is
kept, with a clear message, and no count changes.

Faults tried: a torn copy (half a ledger), a ledger that arrived before its manifest (and the reverse), conflict
copies, the synchroniser's temporary files, an older version over a newer one, a manifest that disagrees with its
ledger, a manifest that is not JSON, a ledger of a newer schema (a superset: read; not a superset: skipped naming
the version), an older device lacking a column, a read-only sync folder, a missing (unmounted) sync folder, a
device folder that vanished, a device that stopped publishing (its age), a forgotten device, a copied data folder
(two machines with one id), and this machine's own earlier identity.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sync_helpers import Device, per_day, summed

from tokenpulse.store.sync.layout import LEDGER, MANIFEST


def _problems(result) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return {s.name: s.problem for s in result.pulled.devices}


def _snapshot_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _restore_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _rewrite_manifest(folder: Path, **changes: object) -> None:
    data = json.loads((folder / MANIFEST).read_text())
    for key, value in changes.items():
        if key.startswith("counts."):
            data["counts"][key.split(".", 1)[1]] = value
        else:
            data[key] = value
    (folder / MANIFEST).write_text(json.dumps(data))


def _reseal(folder: Path, **changes: object) -> None:
    """After editing a published ledger by hand: make its manifest's size and checksum match it again."""
    raw = (folder / LEDGER).read_bytes()
    _rewrite_manifest(folder, ledger_bytes=len(raw), ledger_sha256=hashlib.sha256(raw).hexdigest(), **changes)


@pytest.fixture
def moved_on(pair: tuple[Device, Device]) -> tuple[Device, Device, dict[str, bytes], dict]:  # type: ignore[type-arg]
    """B published once (A holds that copy), then B added calls and published again; A has not looked since.
    Returns (a, b, B's first published files, A's all-devices counts before)."""
    a, b = pair
    first = _snapshot_files(b.folder())
    before = per_day(a, ["all"])
    b.add_calls(11, seed=7, day0=2)
    b.scan()
    b.clock.advance(300)
    assert b.sync().publish_problem is None
    return a, b, first, before


def _newest(b: Device) -> dict:  # type: ignore[type-arg]
    return summed(per_day(b))


def test_torn_copy_keeps_the_last_good_copy(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, _first, before = moved_on
    ledger = b.folder() / LEDGER
    whole = ledger.read_bytes()
    ledger.write_bytes(whole[: len(whole) // 2])  # what a synchroniser writing in place leaves mid-way
    result = a.sync(publish_too=False)
    assert "checksum" in _problems(result)["workstation"] and "last good copy" in _problems(result)["workstation"]
    assert per_day(a, ["all"]) == before
    ledger.write_bytes(whole)  # the transfer finishes
    result = a.sync(publish_too=False)
    assert _problems(result)["workstation"] is None
    assert summed(per_day(a, ["all"])) == summed(per_day(a), per_day(b))


def test_torn_copy_of_a_new_device_is_not_counted(tmp_path: Path, shared: Path) -> None:
    a, b = Device(tmp_path, "laptop", shared), Device(tmp_path, "workstation", shared)
    a.add_calls(5, seed=1)
    b.add_calls(5, seed=2)
    for d in (a, b):
        d.scan()
        d.sync()
    ledger = b.folder() / LEDGER
    ledger.write_bytes(ledger.read_bytes()[:4096])
    result = a.sync()
    assert "checksum" in _problems(result)["workstation"]
    assert "read once complete" in _problems(result)["workstation"]
    assert summed(per_day(a, ["all"])) == summed(per_day(a))


def test_ledger_before_its_manifest_and_manifest_before_its_ledger(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, first, before = moved_on
    folder = b.folder()
    newest = _snapshot_files(folder)
    _restore_files(folder, {MANIFEST: first[MANIFEST]})  # the new ledger arrived, its manifest not yet
    assert _problems(a.sync(publish_too=False))["workstation"] is None  # the manifest of the copy A holds
    assert per_day(a, ["all"]) == before
    _restore_files(folder, {MANIFEST: newest[MANIFEST], LEDGER: first[LEDGER]})  # the manifest first
    assert "checksum" in _problems(a.sync(publish_too=False))["workstation"]
    assert per_day(a, ["all"]) == before
    (folder / LEDGER).unlink()
    assert "did not (yet)" in _problems(a.sync(publish_too=False))["workstation"]
    assert per_day(a, ["all"]) == before


def test_conflict_copies_and_temporary_files_are_ignored(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, first, _before = moved_on
    folder = b.folder()
    leftovers = {
        "ledger.sync-conflict-20260301-101500-ABCDEFG.sqlite3": first[LEDGER],  # Syncthing
        "manifest.sync-conflict-20260301-101500-ABCDEFG.json": first[MANIFEST],
        "manifest (laptop's conflicted copy 2026-03-01).json": b"{not json",  # Dropbox
        ".syncthing.ledger.sqlite3.tmp": b"half",  # Syncthing's transfer in progress
        "~syncthing~manifest.json.tmp": b"half",
    }
    _restore_files(folder, leftovers)
    result = a.sync(publish_too=False)
    state = next(s for s in result.pulled.devices if s.name == "workstation")
    assert state.problem is None
    assert len(state.notes) == 5 and sum("conflict copy" in n for n in state.notes) == 3
    assert summed(per_day(a, ["all"])) == summed(per_day(a), per_day(b))  # the newest, not a conflict copy
    b.clock.advance(60)
    b.sync()  # the folder is B's own: it removes the conflict copies of its files, leaves the transfers alone
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".syncthing.ledger.sqlite3.tmp", LEDGER, MANIFEST, "~syncthing~manifest.json.tmp"])


def test_an_older_version_over_a_newer_one_keeps_the_newer(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, first, _before = moved_on
    assert _problems(a.sync(publish_too=False))["workstation"] is None
    newest = per_day(a, ["all"])
    assert summed(newest) == summed(per_day(a), per_day(b))
    _restore_files(b.folder(), first)  # a synchroniser brings back the first version, whole and consistent
    problem = _problems(a.sync(publish_too=False))["workstation"]
    assert "older version" in problem and "newer copy is kept" in problem
    assert per_day(a, ["all"]) == newest


def test_a_manifest_that_disagrees_with_its_ledger(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, _first, before = moved_on
    folder = b.folder()
    calls = json.loads((folder / MANIFEST).read_text())["counts"]["calls"]
    _rewrite_manifest(folder, **{"counts.calls": calls + 1})
    assert "disagrees with its manifest" in _problems(a.sync(publish_too=False))["workstation"]
    assert per_day(a, ["all"]) == before
    (folder / MANIFEST).write_text("{\"format\": 1, \"device_id\": ")  # cut short
    assert "not valid JSON" in _problems(a.sync(publish_too=False))["workstation"]
    (folder / MANIFEST).write_bytes(b"{" + b" " * 70_000 + b"}")
    assert "larger than" in _problems(a.sync(publish_too=False))["workstation"]
    assert per_day(a, ["all"]) == before


@contextmanager
def _edited_ledger(folder: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(folder / LEDGER, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def test_a_newer_schema_that_adds_columns_is_read(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, _first, _before = moved_on
    folder = b.folder()
    with _edited_ledger(folder) as conn:
        conn.execute("ALTER TABLE api_call ADD COLUMN latency_ms INTEGER")
        conn.execute("CREATE TABLE plan_limit (id INTEGER PRIMARY KEY, used REAL)")
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    _reseal(folder, schema="0099_future", app_version="9.9.0")
    assert _problems(a.sync(publish_too=False))["workstation"] is None
    assert summed(per_day(a, ["all"])) == summed(per_day(a), per_day(b))


def test_a_newer_schema_that_is_not_a_superset_is_skipped_naming_the_version(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, _first, before = moved_on
    folder = b.folder()
    with _edited_ledger(folder) as conn:
        conn.execute("ALTER TABLE api_call DROP COLUMN reasoning")
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    _reseal(folder, schema="0099_future", app_version="9.9.0")
    problem = _problems(a.sync(publish_too=False))["workstation"]
    assert "upgrade tokenpulse on this device to 9.9.0" in problem and "api_call.reasoning" in problem
    assert per_day(a, ["all"]) == before


def test_an_older_device_lacking_a_column_names_the_version_to_upgrade_to(moved_on) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse import __version__

    a, b, _first, before = moved_on
    folder = b.folder()
    with _edited_ledger(folder) as conn:
        conn.execute("ALTER TABLE usage_rollup DROP COLUMN output_cost")
        conn.execute("UPDATE alembic_version SET version_num = '0004_reminders'")
    _reseal(folder, schema="0004_reminders", app_version="0.1.0")
    problem = _problems(a.sync(publish_too=False))["workstation"]
    assert f"upgrade tokenpulse on that device to {__version__}" in problem
    assert per_day(a, ["all"]) == before


def test_a_damaged_ledger_with_a_matching_checksum_is_not_read(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, _first, before = moved_on
    folder = b.folder()
    raw = bytearray((folder / LEDGER).read_bytes())
    raw[4096 * 2: 4096 * 2 + 512] = b"\xff" * 512  # a page overwritten, published as is
    (folder / LEDGER).write_bytes(bytes(raw))
    _reseal(folder)
    problem = _problems(a.sync(publish_too=False))["workstation"]
    assert "damaged" in problem or "disagrees" in problem
    assert per_day(a, ["all"]) == before


@contextmanager
def _read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The sync folder read-only for real: a tmpfs remounted read-only (root), or its modes (others); root
    without mount rights ignores modes, so there writes under it fail with EROFS as a read-only disk does."""
    from reliability.rel_helpers import Tmpfs, can_mount

    if can_mount():
        saved = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        shutil.rmtree(folder)
        fs = Tmpfs(folder, 16 * 1024)
        try:
            for rel, data in saved.items():
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_bytes(data)
            fs.readonly()
            yield
        finally:
            fs.close()
        return
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    real_open, real_mkdir = os.open, os.mkdir

    def refuse(path: object) -> None:
        if str(path).startswith(str(folder)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))

    def fake_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        refuse(path)
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    yield
    monkeypatch.undo()


def test_a_read_only_sync_folder(pair: tuple[Device, Device], shared: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    published = _snapshot_files(a.folder())
    b.add_calls(6, seed=5)
    b.scan()
    b.clock.advance(300)
    b.sync()
    a.add_calls(4, seed=6)
    a.scan()
    with _read_only(shared, monkeypatch):
        a.clock.advance(300)
        result = a.sync()
        assert "read-only" in (result.publish_problem or ""), result.publish_problem
        assert _problems(result)["workstation"] is None  # reading still works
        assert _snapshot_files(a.folder()) == published  # nothing half written
    assert summed(per_day(a, ["all"])) == summed(per_day(a), per_day(b))


def test_a_missing_sync_folder_keeps_the_copies(pair: tuple[Device, Device], shared: Path) -> None:
    a, _b = pair
    before = per_day(a, ["all"])
    shared.rename(shared.with_name("Sync-unmounted"))
    result = a.sync()
    assert "does not exist" in (result.publish_problem or "")
    assert "does not exist" in (result.pulled.problem or "")
    assert not shared.exists()  # never made again: an unmounted share must not become an empty local folder
    assert per_day(a, ["all"]) == before


def test_a_device_whose_folder_vanished_or_stopped_publishing(pair: tuple[Device, Device]) -> None:
    from tokenpulse.presenters.devices import device_line
    from tokenpulse.service.sync_chores import _line

    a, b = pair
    before = per_day(a, ["all"])
    a.clock.advance(3 * 86_400)
    state = next(s for s in a.sync().pulled.devices if s.name == "workstation")
    assert state.problem is None
    line = device_line(_line("workstation", state), a.clock.now_ms())
    assert "3 days ago" in line and "no news since" in line
    shutil.rmtree(b.folder())
    problem = _problems(a.sync())["workstation"]
    assert "folder is gone" in problem and "still used" in problem
    assert per_day(a, ["all"]) == before


def test_a_forgotten_device_is_never_read_again(pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import cli_env, run_cli
    from tokenpulse.config import settings as settings_io

    a, b = pair
    settings_io.save(a.settings, a.data / "settings.toml")
    cli_env(monkeypatch, a.root, claude=a.claude, codex=a.codex, data=a.data)
    code, out, err = run_cli(capsys, "sync", "--forget-device", "workstation")
    assert code == 0, err
    assert f"forgot workstation ({b.id})" in out and "delete them yourself" in out
    assert not (a.data / "devices" / b.id).exists()
    assert b.folder().exists()  # another device's files are never deleted
    assert settings_io.load(a.data / "settings.toml").sync.forgotten_devices == (b.id,)
    a.settings = settings_io.load(a.data / "settings.toml")
    assert summed(per_day(a, ["all"])) == summed(per_day(a))
    b.clock.advance(60)
    b.sync()  # it publishes again: still not read
    assert [s.name for s in a.sync().pulled.devices] == []
    code, _out, err = run_cli(capsys, "daily", "--devices", "workstation")
    assert code == 2 and "no device is called" in err
    code, _out, err = run_cli(capsys, "sync", "--forget-device", "laptop")
    assert code == 2 and "this device cannot be forgotten" in err


def test_a_copied_data_folder_is_told_not_counted_twice(pair: tuple[Device, Device], tmp_path: Path,
                                                        shared: Path) -> None:
    a, _b = pair
    clone = Device(tmp_path, "laptop-clone", shared)
    shutil.copytree(a.data, clone.data)  # a new machine set up from a copy of the old one's data folder
    clone.add_calls(3, seed=8)
    clone.scan()
    clone.clock.advance(600)
    assert clone.sync().publish_problem is None  # it publishes first, under the same id
    a.clock.advance(300)
    problem = a.sync().publish_problem or ""
    assert "another machine ('laptop-clone') published under this device's id" in problem
    assert "device-id" in problem


def test_this_machines_earlier_identity_is_left_out(pair: tuple[Device, Device]) -> None:
    """The device-id file was lost: the machine publishes as a new device, and its old folder must not be read
    as another machine (its calls are all in this store)."""
    a, b = pair
    own_before = summed(per_day(a))
    (a.data / "device-id").unlink()
    a.clock.advance(60)
    result = a.sync()
    old = next(s for s in result.pulled.devices if s.name == "laptop")
    assert old.copy is None and "this device's own" in (old.problem or "")
    assert summed(per_day(a, ["all"])) == summed(own_before, per_day(b))


def test_hostile_names_are_cleaned(moved_on) -> None:  # type: ignore[no-untyped-def]
    a, b, _first, _before = moved_on
    folder = b.folder()
    _rewrite_manifest(folder, device_name="ws\n\x1b[31m<b>evil</b>" + "x" * 200)
    state = next(s for s in a.sync(publish_too=False).pulled.devices)
    assert "\n" not in state.name and "\x1b" not in state.name and len(state.name) <= 64
    (folder / "\x1b[2J;rm -rf ~.sync-conflict-1.json").write_text("x")
    state = next(s for s in a.sync(publish_too=False).pulled.devices)
    assert all("\x1b" not in n for n in state.notes)
