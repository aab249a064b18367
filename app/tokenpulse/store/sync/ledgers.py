"""The devices a view covers, and a read-only connection that sees them: this device's store plus the last good
copies of the others, attached read-only and immutable (nothing can write to them through it).

SQLite attaches at most a handful of databases to a connection (10 by default); beyond that the extra devices
are left out and the caller is told which.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tokenpulse.store.errors import BUSY_TIMEOUT_MS
from tokenpulse.store.sync.identity import ID_PATTERN
from tokenpulse.store.sync.scope import DeviceScope, Member

_ALIAS = "dev_"


@dataclass(frozen=True, slots=True)
class Ledger:
    label: str  # unique among the set: the device's name, with its id's start when two share a name
    device_id: str
    path: Path | None  # the copy to read; None: this device's own store


@dataclass(frozen=True, slots=True)
class LedgerSet:
    ledgers: tuple[Ledger, ...]

    @property
    def this_only(self) -> bool:
        return len(self.ledgers) == 1 and self.ledgers[0].path is None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(ledger.label for ledger in self.ledgers)


class TooManyDevices(Exception):
    """More devices than SQLite can attach at once; the message names the ones left out."""


def uri(path: Path, params: str) -> str:
    return f"file:{quote(str(path))}?{params}"


def unique_labels(named: list[tuple[str, str]]) -> list[str]:
    """Labels for (device id, name) pairs: the name, or "name (1a2b3c)" where two devices share a name."""
    counts: dict[str, int] = {}
    for _id, name in named:
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    return [name if counts[name.lower()] == 1 else f"{name} ({device_id[:6]})" for device_id, name in named]


def open_reader(db_path: Path) -> sqlite3.Connection:
    """A read-only connection to this device's store on which copies can be attached."""
    conn = sqlite3.connect(uri(db_path, "mode=ro"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def attach(conn: sqlite3.Connection, ledgers: LedgerSet) -> DeviceScope:
    """Attach the copies of `ledgers` to `conn` (read-only, immutable), detaching any attached before; the scope
    to give queries. Raises TooManyDevices when SQLite's limit is reached (nothing is left half attached)."""
    for name in [row[1] for row in conn.execute("PRAGMA database_list") if str(row[1]).startswith(_ALIAS)]:
        conn.execute(f"DETACH DATABASE {name}")
    copies = [ledger for ledger in ledgers.ledgers if ledger.path is not None]
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)
    if len(copies) > limit:
        left_out = ", ".join(ledger.label for ledger in copies[limit:])
        raise TooManyDevices(f"SQLite reads at most {limit} other devices at once; left out: {left_out}"
                             " (choose devices with --devices, or forget old ones)")
    members = []
    for ledger in ledgers.ledgers:
        if ledger.path is None:
            members.append(Member(ledger.label, "main"))
            continue
        if not ID_PATTERN.match(ledger.device_id):  # checked when the copy was taken; it names a schema here
            raise ValueError(f"not a device id: {ledger.device_id!r}")
        alias = _ALIAS + ledger.device_id
        conn.execute(f"ATTACH DATABASE ? AS {alias}", (uri(ledger.path, "mode=ro&immutable=1"),))
        members.append(Member(ledger.label, alias))
    return DeviceScope(tuple(members))
