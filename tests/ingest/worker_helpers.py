"""The ingest worker under test: a listener that records everything, and a fixture that builds workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import claude_line
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings
from tokenpulse.service.messages import (
    ErrorRaised,
    Event,
    ImportProgressed,
    NoticeRaised,
    ReminderDue,
    SnapshotChanged,
)
from tokenpulse.service.worker import IngestWorker
from tokenpulse.snapshot import Snapshot
from tokenpulse.workspace import Workspace


class Recorder:
    """The worker's listener: keeps everything, lets the test wait for a condition without sleeping."""

    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []
        self.progress: list[tuple[int, int]] = []
        self.errors: list[str] = []
        self.reminders: list[object] = []
        self.notices: list[str] = []
        self.batches: list[list[Path]] = []  # every scan_paths call: one per coalesced batch
        self._cond = threading.Condition()

    def post(self, event: Event) -> None:
        with self._cond:
            if isinstance(event, SnapshotChanged):
                self.snapshots.append(event.snapshot)
            elif isinstance(event, ImportProgressed):
                self.progress.append((event.done, event.total))
            elif isinstance(event, ErrorRaised):
                self.errors.append(event.message)
            elif isinstance(event, ReminderDue):
                self.reminders.append(event.nudge)
            elif isinstance(event, NoticeRaised):
                self.notices.append(event.message)
            else:
                raise AssertionError(f"an event the tests do not know: {event!r}")
            self._cond.notify_all()

    def until(self, pred: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait for a condition on what was recorded (notices, reminders, errors)."""
        with self._cond:
            assert self._cond.wait_for(pred, timeout), f"not within {timeout}s"

    def wait(self, pred: Callable[[Snapshot], bool], timeout: float = 5.0) -> Snapshot:
        with self._cond:
            ok = self._cond.wait_for(lambda: bool(self.snapshots) and pred(self.snapshots[-1]), timeout)
            assert ok, f"no matching snapshot in {timeout}s; last: {self.snapshots[-1:] or None}"
            return self.snapshots[-1]


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def line(n: int, output: int, **kw: object) -> str:
    return claude_line(msg_id=f"m{n}", req_id=f"r{n}", output=output, ts=now_iso(), **kw)


@pytest.fixture
def make_worker(tmp_path: Path):  # type: ignore[no-untyped-def]
    """make(claude_root, settings=None, **worker_options) -> (started worker, its Recorder); stopped afterwards."""
    workers: list[IngestWorker] = []

    def make(claude: Path, settings: Settings | None = None, **options: object) -> tuple[IngestWorker, Recorder]:
        rec = Recorder()
        env = {"CLAUDE_CONFIG_DIR": str(claude), "CODEX_HOME": str(tmp_path / "no-codex")}

        def factory(s: Settings) -> Workspace:
            ws = Workspace(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", settings=s)
            read = ws.scanner.scan_paths

            def counted(paths):  # type: ignore[no-untyped-def]
                rec.batches.append(sorted(paths))
                return read(paths)

            ws.scanner.scan_paths = counted  # type: ignore[method-assign]
            return ws

        worker = IngestWorker(factory, settings or Settings(timezone="UTC"), rec, **options)  # type: ignore[arg-type]
        workers.append(worker)
        worker.start()
        return worker, rec

    yield make
    for w in workers:
        w.stop()
        assert not w.alive
