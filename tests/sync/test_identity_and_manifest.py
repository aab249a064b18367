"""This device's id (made once, the same for processes starting together), its name, settings, and manifests
from other machines read with strict checks."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tokenpulse.config import settings as settings_io
from tokenpulse.config.settings import Settings, Sync
from tokenpulse.store.sync.identity import IdentityError, clean_name, device_id, this_device
from tokenpulse.store.sync.manifest import Counts, Manifest, ManifestError


def test_the_id_is_made_once(tmp_path: Path) -> None:
    ids: list[str] = []
    threads = [threading.Thread(target=lambda: ids.append(device_id(tmp_path / "data"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids[0]) == 16
    assert device_id(tmp_path / "data") == ids[0]
    assert (tmp_path / "data" / "device-id").stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["device-id"]  # no temporary files left


def test_a_damaged_id_file_is_an_error_not_a_new_identity(tmp_path: Path) -> None:
    (tmp_path / "device-id").write_text("not an id")
    with pytest.raises(IdentityError, match="delete it to make a new one"):
        device_id(tmp_path)


def test_names(tmp_path: Path) -> None:
    assert clean_name("  my\tlaptop\n\x1b[1m ") == "my laptop [1m"
    assert len(clean_name("x" * 500)) == 64
    assert this_device(tmp_path, "  ").name  # the host name when none is set
    assert this_device(tmp_path, "Work box").name == "Work box"


def test_sync_settings_round_trip(tmp_path: Path) -> None:
    s = Settings(sync=Sync(folder="/mnt/sync", device_name="laptop", project_paths="hashed", devices=("all",),
                           forgotten_devices=("a" * 16,)))
    settings_io.save(s, tmp_path / "settings.toml")
    assert settings_io.load(tmp_path / "settings.toml") == s
    settings_io.save(Settings(), tmp_path / "default.toml")
    assert settings_io.load(tmp_path / "default.toml").sync == Sync()
    (tmp_path / "bad.toml").write_text('[sync]\nproject_paths = "plain"\n')
    with pytest.raises(settings_io.SettingsError, match="project_paths"):
        settings_io.load(tmp_path / "bad.toml")
    (tmp_path / "bad2.toml").write_text('[sync]\ndevices = "all"\n')
    with pytest.raises(settings_io.SettingsError, match=r"sync\.devices: expected a list of devices, got a string"):
        settings_io.load(tmp_path / "bad2.toml")


GOOD = Manifest(device_id="0123456789abcdef", device_name="ws", app_version="0.2.0", schema="0005_store_shape",
                written_ms=1, ledger_bytes=4096, ledger_sha256="0" * 64, counts=Counts(calls=1, sessions=1),
                project_paths="folder", zone="UTC")


def _with(**changes: object) -> str:
    data = json.loads(GOOD.to_json())
    data.update(changes)
    return json.dumps(data)


def test_manifest_round_trip() -> None:
    assert Manifest.from_json(GOOD.to_json()) == GOOD


@pytest.mark.parametrize(("changes", "message"), [
    ({"format": 2, "app_version": "1.0.0"}, "upgrade tokenpulse here to 1.0.0"),
    ({"device_id": "../../etc"}, "device id"),
    ({"ledger_sha256": "z" * 64}, "checksum"),
    ({"written_ms": -5}, "written_ms"),
    ({"written_ms": True}, "written_ms"),
    ({"ledger_bytes": "4096"}, "ledger_bytes"),
    ({"counts": [1, 2]}, "counts"),
    ({"device_name": "x" * 1000}, "too long"),
])
def test_hostile_manifests(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(_with(**changes))


def test_manifest_that_is_not_an_object() -> None:
    for text in ("[]", "null", "1", "[" * 100_000):
        with pytest.raises(ManifestError):
            Manifest.from_json(text)
