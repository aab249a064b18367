"""This device's id: random, made once, kept in the data folder (the name is a setting: the host name by default).

The id names the device's folder in the sync folder. It is written once, atomically (a link of a complete
file, so two processes starting together agree on one id), and never changes unless the file is deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

ID_FILE = "device-id"
ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
NAME_MAX = 64


class IdentityError(OSError):
    """The device id cannot be read or made; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    name: str


def device_id(data_dir: Path) -> str:
    """The id kept in `data_dir`, made now if there is none."""
    path = data_dir / ID_FILE
    found = _read(path)
    if found is not None:
        return found
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = data_dir / f".{ID_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(8) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process made one meanwhile: that one is the id
            os.link(tmp, path)
    except OSError as exc:
        raise IdentityError(f"cannot keep this device's id in {data_dir}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    found = _read(path)
    if found is None:
        raise IdentityError(f"{path} does not hold a device id; delete it and try again")
    return found


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IdentityError(f"cannot read this device's id {path}: {exc.strerror or exc}") from exc
    if not ID_PATTERN.match(text):
        raise IdentityError(f"{path} does not hold a device id (16 hex digits); delete it to make a new one"
                            " (other devices then see this one as new: forget the old one there)")
    return text


def host_name() -> str:
    """The machine's short host name, as a default device name."""
    try:
        name = socket.gethostname().split(".")[0]
    except OSError:
        name = ""
    return clean_name(name) or "this device"


def clean_name(name: str) -> str:
    """A device name as shown and published: one line of printable text, at most NAME_MAX characters."""
    kept = "".join(ch if ch.isprintable() else " " for ch in name)
    return " ".join(kept.split())[:NAME_MAX]


def this_device(data_dir: Path, name: str | None) -> Device:
    return Device(device_id(data_dir), clean_name(name or "") or host_name())
