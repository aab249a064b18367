"""The app's worker: it publishes after its first import and then at most every few minutes after scans that added
calls, reads the other devices, and puts the all-machines totals in the snapshot (live chats stay this device's)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import T0, Device, per_day

from helpers import claude_line, write_lines
from ingest.worker_helpers import Recorder
from tokenpulse.clock import FakeClock
from tokenpulse.config.settings import Settings
from tokenpulse.service.messages import Refresh
from tokenpulse.service.sync import PUBLISH_EVERY_MS
from tokenpulse.service.worker import IngestWorker
from tokenpulse.store.sync.layout import MANIFEST
from tokenpulse.workspace import Workspace

DAY_MS = 86_400_000


@pytest.fixture
def started(tmp_path: Path, shared: Path) -> Iterator[tuple[IngestWorker, Recorder, Device, Device]]:
    clock = FakeClock(T0 + 8 * DAY_MS + 3_600_000)
    a, b = Device(tmp_path, "laptop", shared, clock), Device(tmp_path, "workstation", shared, clock)
    a.add_calls(30, seed=11, days=8)
    b.add_calls(25, seed=12, days=8)
    b.scan()
    b.sync()
    rec = Recorder()

    def factory(s: Settings) -> Workspace:
        return a.workspace()

    worker = IngestWorker(factory, a.settings, rec, clock=clock, quiet_s=0.05, max_batch_s=0.3)
    worker.start()
    try:
        yield worker, rec, a, b
    finally:
        worker.stop()


def _written(d: Device) -> int:
    return int(json.loads((d.folder() / MANIFEST).read_text())["written_ms"])


def test_the_worker_publishes_reads_and_shows_all_machines(started) -> None:  # type: ignore[no-untyped-def]
    worker, rec, a, b = started
    snap = rec.wait(lambda s: s.ready and s.everywhere is not None, timeout=20)
    assert (a.folder() / MANIFEST).exists()  # published once after its first import
    labels = [(line.label, line.this) for line in snap.everywhere.devices]
    assert labels == [("laptop", True), ("workstation", False)]
    both = {}
    for d in (a, b):
        for (day, _source, _model), counts in per_day(d).items():
            both[day] = both.get(day, 0) + counts["output_tokens"]
    assert snap.everywhere.spark_output == tuple(both.get(day, 0) for day in snap.spark_days)
    mine = snap.machines(False)
    assert mine.spark_output == tuple(sum(c["output_tokens"] for (d, _s, _m), c in per_day(a).items() if d == day)
                                      for day in snap.spark_days)
    every = snap.machines(True)
    assert every.today == snap.everywhere.today and every.live == snap.live  # the live chat stays this device's
    assert snap.spark_output != snap.everywhere.spark_output


def test_publishing_is_debounced(started) -> None:  # type: ignore[no-untyped-def]
    worker, rec, a, _b = started
    clock = a.clock
    rec.wait(lambda s: s.ready and s.everywhere is not None, timeout=20)
    first = _written(a)
    ts = "2026-03-09T11:00:00.000Z"
    write_lines(a.claude / "projects" / "p" / "live.jsonl",
                [claude_line(msg_id="new-1", req_id="new-r1", output=777, ts=ts, session="live")])
    rec.wait(lambda s: s.everywhere is not None and s.everywhere.today.output_tokens >= 777, timeout=20)
    assert _written(a) == first  # calls were added, but the last publish is too recent
    clock.advance(PUBLISH_EVERY_MS / 1000 + 1)
    worker.send(Refresh())  # wakes the worker; its next deadline is now due
    deadline = time.monotonic() + 15
    while _written(a) == first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _written(a) == clock.now_ms()
    published = json.loads((a.folder() / MANIFEST).read_text())["counts"]
    assert published["output"] == sum(c["output_tokens"] for c in per_day(a).values())
    clock.advance(PUBLISH_EVERY_MS / 1000 + 1)
    worker.send(Refresh())
    time.sleep(2.5)  # no calls added since: nothing to publish, however long it waits
    assert _written(a) == clock.now_ms() - PUBLISH_EVERY_MS - 1000


def test_folder_problems_show_until_they_go_away(tmp_path: Path, shared: Path) -> None:
    """The app's chores (no thread): a missing folder is a problem while it lasts; the copies read before stay
    in the all-machines picture; publishing resumes when the folder is back."""
    from zoneinfo import ZoneInfo

    from tokenpulse.service.sync_chores import SyncChores

    clock = FakeClock(T0 + 8 * DAY_MS)
    a, b = Device(tmp_path, "laptop", shared, clock), Device(tmp_path, "workstation", shared, clock)
    a.add_calls(10, seed=61, days=8)
    b.add_calls(10, seed=62, days=8)
    for d in (a, b):
        d.scan()
        d.sync()
    ws = a.workspace()
    chores = SyncChores(clock)
    try:
        chores.open(ws)
        chores.run_due(ready=True)
        assert chores.problems == () and (a.folder() / MANIFEST).exists()
        everywhere = chores.everywhere(clock.now_ms(), ZoneInfo("UTC"))
        assert everywhere is not None and [line.label for line in everywhere.devices] == ["laptop", "workstation"]
        shared.rename(tmp_path / "unmounted")
        chores.note_scan(1)
        clock.advance(PUBLISH_EVERY_MS / 1000 + 1)
        chores.run_due(ready=True)
        assert any("does not exist" in p for p in chores.problems), chores.problems
        assert chores.everywhere(clock.now_ms(), ZoneInfo("UTC")) is not None  # the copy read before stays
        (tmp_path / "unmounted").rename(shared)
        clock.advance(PUBLISH_EVERY_MS / 1000 + 1)
        chores.run_due(ready=True)
        assert chores.problems == ()
        assert _written(a) == clock.now_ms()
    finally:
        chores.close()
        ws.close()
