"""Devices under test: each has its own data folder and logs, and all share one sync folder (a tmp folder; the
Syncthing test puts a real synchroniser between them)."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers import claude_line, codex_file, codex_tc, codex_turn, usage, write_lines
from tokenpulse.clock import FakeClock
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings, Sync
from tokenpulse.store import queries
from tokenpulse.store.queries import Filter
from tokenpulse.workspace import Workspace

T0 = 1_772_359_200_000  # 2026-03-01 10:00 UTC
MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001")


class Device:
    """One machine: `root/<name>/{data,claude,codex}`, sharing `sync_dir`."""

    def __init__(self, root: Path, name: str, sync_dir: Path | None, clock: FakeClock | None = None,
                 project_paths: str = "folder") -> None:
        self.name = name
        self.root = root / name
        self.claude = self.root / "claude"
        self.codex = self.root / "codex"
        self.sync_dir = sync_dir
        self.clock = clock or FakeClock(T0 + 30 * 86_400_000)
        self.settings = Settings(timezone="UTC", sync=Sync(folder=str(sync_dir) if sync_dir else None,
                                                           device_name=name, project_paths=project_paths))
        self._n = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    def workspace(self, **sync_changes: Any) -> Workspace:
        settings = settings_io.with_changes(self.settings, sync=settings_io.with_changes(self.settings.sync, **sync_changes)) if sync_changes \
            else self.settings
        env = {"CLAUDE_CONFIG_DIR": str(self.claude), "CODEX_HOME": str(self.codex)}
        return Workspace(resolve(self.data), env=env, home=self.root / "home", clock=self.clock, settings=settings)

    def add_calls(self, n: int, seed: int, *, day0: int = 0, days: int = 10) -> None:
        """`n` Claude calls and one Codex chat spread over `days` days, numbers drawn from `seed`; ids never repeat
        across devices (the name is in them), so devices' logs are disjoint."""
        rng = random.Random(seed)
        lines = []
        for _ in range(n):
            self._n += 1
            ts_ms = T0 + (day0 + rng.randrange(days)) * 86_400_000 + rng.randrange(86_400_000)
            lines.append(claude_line(
                msg_id=f"{self.name}-m{self._n}", req_id=f"{self.name}-r{self._n}", output=rng.randrange(1, 5000),
                input=rng.randrange(0, 3000), cache_write=rng.randrange(0, 20000), cache_read=rng.randrange(0, 90000),
                model=rng.choice(MODELS), ts=_iso(ts_ms), session=f"{self.name}-s{rng.randrange(4)}",
                cwd=f"/home/{self.name}/projects/p{rng.randrange(3)}"))
        write_lines(self.claude / "projects" / "p" / f"batch-{self._n}.jsonl", lines)
        self._n += 1
        start = T0 + day0 * 86_400_000 + 3_600_000
        total = usage(0)
        rows = [codex_turn(_iso(start), model="gpt-5.2-codex", cwd=f"/home/{self.name}/projects/cx")]
        for k in range(3):
            last = usage(rng.randrange(100, 900), 50, rng.randrange(10, 400), 5)
            total = {key: total.get(key, 0) + last.get(key, 0) for key in last}
            rows.append(codex_tc(_iso(start + k * 60_000), total, last))
        session = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.name}/{self._n}")  # as Codex names its files
        write_lines(codex_file(self.codex, name=f"rollout-2026-03-01T10-00-00-{session}"), rows)

    def scan(self) -> None:
        ws = self.workspace()
        try:
            assert ws.scan() is not None
        finally:
            ws.close()

    def sync(self, *, publish_too: bool = True) -> Any:
        from tokenpulse.service.sync import sync_now

        ws = self.workspace()
        try:
            return sync_now(ws, self.clock.now_ms(), publish_too=publish_too)
        finally:
            ws.close()

    def folder(self) -> Path:
        """This device's folder in the sync folder (its id is made on first use)."""
        from tokenpulse.store.sync.identity import device_id
        from tokenpulse.store.sync.layout import device_folder

        assert self.sync_dir is not None
        return device_folder(self.sync_dir, device_id(self.data))

    @property
    def id(self) -> str:
        from tokenpulse.store.sync.identity import device_id

        return device_id(self.data)


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


Key = tuple[str, str, str]  # (day, source, model)
TOKENS = ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def per_day(device: Device, devices: Iterable[str] = ("this",)) -> dict[tuple[str, ...], Counter[str]]:
    """{(day, source, model[, device]): token counts} as the store reads them for the chosen devices."""
    from contextlib import ExitStack
    from zoneinfo import ZoneInfo

    from tokenpulse.service.sync import choice, ledger_set, others
    from tokenpulse.service.sync import device as this_device
    from tokenpulse.store.sync.ledgers import attach, open_reader

    ws = device.workspace()
    with ExitStack() as stack:
        stack.callback(ws.close)
        own = this_device(ws)
        chosen = ledger_set(choice(ws.settings, list(devices)), own, others(ws, own))
        conn: sqlite3.Connection = ws.conn
        scope = None
        if not chosen.this_only:
            conn = open_reader(ws.paths.database)
            stack.callback(conn.close)
            scope = attach(conn, chosen)
        out: dict[tuple[str, ...], Counter[str]] = {}
        for row in queries.by_period(conn, "day", ZoneInfo("UTC"), Filter(devices=scope)):
            key = (row.period, row.source, row.model) + ((row.device,) if row.device else ())
            out[key] = Counter({k: v for k, v in row.totals.as_dict().items() if k in TOKENS})
        return out


def costs(device: Device, devices: Iterable[str] = ("this",)) -> float:
    """The total cost of the chosen devices' calls."""
    from tokenpulse.service.sync import choice, ledger_set, others
    from tokenpulse.service.sync import device as this_device
    from tokenpulse.store.sync.ledgers import attach, open_reader

    ws = device.workspace()
    try:
        own = this_device(ws)
        chosen = ledger_set(choice(ws.settings, list(devices)), own, others(ws, own))
        if chosen.this_only:
            return queries.totals(ws.conn).cost_usd or 0.0
        conn = open_reader(ws.paths.database)
        try:
            return queries.totals(conn, Filter(devices=attach(conn, chosen))).cost_usd or 0.0
        finally:
            conn.close()
    finally:
        ws.close()


def summed(*maps: dict[tuple[str, ...], Counter[str]]) -> dict[tuple[str, ...], Counter[str]]:
    """Several devices' maps added key by key (the device part of keys dropped)."""
    out: dict[tuple[str, ...], Counter[str]] = {}
    for m in maps:
        for key, counts in m.items():
            out.setdefault(key[:3], Counter()).update(counts)
    return out
