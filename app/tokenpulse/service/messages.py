"""The typed messages between the GUI and the ingest worker: commands in, events out, one class each.

Commands are queued with the watcher's changes, so the worker sees both in order; a command marked
`interrupts` also stops a running backfill between two files. Events are handed to the worker's listener
(gui/bridge.py re-posts them to the GUI thread). Each side dispatches on the exact class, and a message it has
no handler for is an error (UnknownMessage), never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from tokenpulse.config.settings import Settings
from tokenpulse.nudges.model import Nudge
from tokenpulse.presenters.source_health import SourceReport
from tokenpulse.snapshot import Snapshot


class UnknownMessage(TypeError):
    """A command or event of a class the receiver has no handler for (a programming error)."""


@dataclass(frozen=True, slots=True)
class Command:
    """Base of the requests from the GUI side."""

    interrupts: ClassVar[bool] = False  # abandon a running backfill to get to this one sooner


@dataclass(frozen=True, slots=True)
class Stop(Command):
    interrupts: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Pause(Command):
    """Stop watching (changes seen meanwhile are read at Resume)."""

    interrupts: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Resume(Command):
    pass


@dataclass(frozen=True, slots=True)
class Snooze(Command):
    """Hold reminders until `until_ms` (None: resume them now)."""

    until_ms: int | None


@dataclass(frozen=True, slots=True)
class ReminderAnswer(Command):
    """The user chose `action` in the reminder `key`, wherever it was shown (notification, toast, menu,
    summary); "mute_chat" also stops reminders about `session_id`."""

    key: str
    action: str
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class RestoreBackup(Command):
    """Make the store hold this backup again (the current store is kept beside it), then rescan."""

    path: str
    interrupts: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ApplySettings(Command):
    """New roots, zone, prices or thresholds: re-open the store and re-plan the watches."""

    settings: Settings
    interrupts: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Refresh(Command):
    """Look again now: rebuild the picture (and with it check the reminders) even if nothing changed."""


@dataclass(frozen=True, slots=True)
class ReportSources(Command):
    """Say each source's health now (Settings › Sources); answered by SourcesReported."""


@dataclass(frozen=True, slots=True)
class Event:
    """Base of what the worker reports."""


@dataclass(frozen=True, slots=True)
class SnapshotChanged(Event):
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class ImportProgressed(Event):
    done: int  # files read so far
    total: int  # files in all


@dataclass(frozen=True, slots=True)
class ErrorRaised(Event):
    message: str


@dataclass(frozen=True, slots=True)
class ReminderDue(Event):
    """A reminder to show now (already logged as shown)."""

    nudge: Nudge


@dataclass(frozen=True, slots=True)
class NoticeRaised(Event):
    """Something to read once that is not an error (a store rebuilt, a backup restored)."""

    message: str


@dataclass(frozen=True, slots=True)
class SourcesReported(Event):
    """Each source's health, as of `now_ms` (empty when the store could not be opened)."""

    reports: tuple[SourceReport, ...]
    now_ms: int


class Listener(Protocol):
    """Receives the worker's events on the worker's thread; a GUI must re-post them to its own thread."""

    def post(self, event: Event) -> None: ...
