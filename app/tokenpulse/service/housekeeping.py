"""The worker's store chores besides ingest: reminders (policy state and log), daily backups, restores, notices.

Everything here runs on the ingest worker's thread, on its Workspace: the worker stays the one writer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from tokenpulse.clock import Clock, zone
from tokenpulse.config.settings import Settings
from tokenpulse.nudges.model import Nudge
from tokenpulse.nudges.policy import PolicyState, mute_chat, snooze
from tokenpulse.workspace import Workspace

log = logging.getLogger(__name__)

SNOOZE_FROM_REMINDER_MS = 60 * 60_000
_DAY_MS = 86_400_000


@dataclass(slots=True)
class Housekeeping:
    clock: Clock
    grace_ms: int
    started_ms: int  # the reminders' start-up grace runs from here
    policy: PolicyState = field(init=False)
    wake_ms: int | None = None  # when reminders need another look without a new call
    backups: tuple[tuple[str, str], ...] = ()  # (label, path), newest first, for the tray menu

    def __post_init__(self) -> None:
        self.policy = PolicyState(started_ms=self.started_ms)

    # --- reminders ------------------------------------------------------------------------------------

    def load_policy(self, ws: Workspace) -> None:
        from tokenpulse.store.reminders import load_state

        try:
            self.policy = PolicyState.from_json(load_state(ws.conn), self.started_ms)
        except (ValueError, TypeError) as exc:  # a state from a newer or broken release: start afresh
            log.warning("reminder state not read: %s", exc)
            self.policy = PolicyState(started_ms=self.started_ms)

    def _save_policy(self, ws: Workspace) -> None:
        from tokenpulse.store.reminders import save_state

        save_state(ws.conn, self.policy.to_json())

    def check(self, ws: Workspace, settings: Settings) -> list[Nudge]:
        """What the policy says is due now, each logged as shown (a key already logged is not returned); then
        the status facts are saved, from the same reading of the store, so that `tokenpulse status` answers
        from the file while the app runs."""
        from tokenpulse.insights.status_view import write_facts
        from tokenpulse.nudges.runner import tick
        from tokenpulse.nudges.status import facts
        from tokenpulse.store import reminders

        now = self.clock.now_ms()
        reminders.mark_followed(ws.conn, now)
        result = tick(ws.conn, now, ws.pricer, settings, self.policy, self.grace_ms)
        self.wake_ms = result.wake_ms
        if result.state != self.policy:
            self.policy = result.state
            self._save_policy(ws)
        shown = [n for n in result.due
                 if reminders.log_shown(ws.conn, key=n.key, rule=n.rule, title=n.title, body=n.body,
                                        session_id=n.session_id, project=n.project, shown_ms=now)]
        try:  # after the reminders: what is due is what is left
            write_facts(ws.paths.data_dir, facts(now, result.chats, result.spend, settings.reminders, self.policy,
                                                 result.limits, settings.limits, zone(settings.timezone)))
        except OSError as exc:  # a full disk: the CLI then reads the store itself
            log.warning("status facts not saved: %s", exc)
        return shown

    def snooze(self, ws: Workspace | None, until_ms: int | None) -> None:
        self.policy = snooze(self.policy, until_ms)
        if ws is not None:
            self._save_policy(ws)

    def reminder_action(self, ws: Workspace, key: str, action: str, session_id: int | None) -> None:
        from tokenpulse.store.reminders import record_action

        record_action(ws.conn, key, action)
        if action == "mute_chat" and session_id is not None:
            self.policy = mute_chat(self.policy, session_id)
            self._save_policy(ws)
        elif action == "snooze_1h":
            self.snooze(ws, self.clock.now_ms() + SNOOZE_FROM_REMINDER_MS)

    @staticmethod
    def drop_status(ws: Workspace | None) -> None:
        """Paused or stopping: the facts would go stale, so the CLI must not trust them."""
        from tokenpulse.insights.status_view import FACTS_NAME

        if ws is not None:
            (ws.paths.data_dir / FACTS_NAME).unlink(missing_ok=True)

    # --- backups, restores and notices ----------------------------------------------------------------

    def daily_backup(self, ws: Workspace) -> str | None:
        """Today's backup if it is not made yet; a problem in plain words, or None."""
        made, problem = ws.backup_if_due()
        if made is not None:  # the list changes only then (it is read at open), not at every deadline
            self.list_backups(ws)
        return problem

    def list_backups(self, ws: Workspace) -> None:
        from tokenpulse.store.backup import list_backups

        self.backups = tuple((b.label, str(b.path)) for b in reversed(list_backups(ws.paths.backups_dir)))

    def restore(self, ws: Workspace, path: str) -> str:
        """Restore a backup under the scan lock; what happened in words. Raises StoreError on failure."""
        from tokenpulse.store.backup import restore
        from tokenpulse.store.db import StoreError

        if not ws.lock.acquire(wait=30.0):
            raise StoreError("the backup was not restored: another tokenpulse kept the store busy; try again")
        try:
            report = restore(ws.paths.database, Path(path), now_ms=self.clock.now_ms())
        finally:
            ws.lock.release()
        return " ".join(report.lines())

    @staticmethod
    def notice(ws: Workspace) -> str | None:
        """What the store layer left to tell the user once (a damaged store rebuilt), or None."""
        from tokenpulse.store.notice import take_notice

        lines = take_notice(ws.paths.data_dir)
        return " ".join(lines) if lines else None


def next_utc_midnight(now_ms: int) -> int:
    """When the UTC day (which names the daily backup) turns."""
    return (now_ms // _DAY_MS + 1) * _DAY_MS + 1
