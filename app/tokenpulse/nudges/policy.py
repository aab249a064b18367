"""The policy: which candidate reminders fire now, given on/off settings, snooze, quiet hours, grace and history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from tokenpulse.config.settings import Limits, Reminders
from tokenpulse.insights.facts import MINUTE_MS, ChatSnapshot, SpendSnapshot
from tokenpulse.insights.plan_limits import LimitFacts
from tokenpulse.nudges import budgets, cache_expiry, fresh_chat
from tokenpulse.nudges import limits as plan_limits
from tokenpulse.nudges.model import Nudge
from tokenpulse.nudges.timing import in_grace, in_quiet_hours, quiet_end_ms

# The first scan after start-up backfills history; nothing may fire until it has had time to finish.
DEFAULT_GRACE_MS = 2 * MINUTE_MS
# A key older than the longest period (a month) can never be due again, so it need not be remembered.
HISTORY_MS = 40 * 24 * 60 * MINUTE_MS


@dataclass(frozen=True, slots=True)
class PolicyState:
    """What the policy remembers between ticks; the caller keeps it (to_json/from_json across restarts)."""

    started_ms: int
    fired: Mapping[str, int] = field(default_factory=dict)  # reminder key → when it fired
    snoozed_until_ms: int | None = None
    muted: frozenset[int] = frozenset()  # chats the user said not to be reminded about again

    def to_json(self) -> str:
        return json.dumps({"fired": dict(self.fired), "snoozed_until_ms": self.snoozed_until_ms,
                           "muted": sorted(self.muted)})

    @classmethod
    def from_json(cls, text: str | None, started_ms: int) -> PolicyState:
        """The state of a new app run: the grace period starts now; what fired before stays fired."""
        data = json.loads(text) if text else {}
        fired = {str(k): int(v) for k, v in dict(data.get("fired") or {}).items()
                 if int(v) >= started_ms - HISTORY_MS}
        snooze = data.get("snoozed_until_ms")
        muted = frozenset(int(s) for s in data.get("muted") or ())
        return cls(started_ms=started_ms, fired=fired, snoozed_until_ms=None if snooze is None else int(snooze),
                   muted=muted)


def snooze(state: PolicyState, until_ms: int | None) -> PolicyState:
    return replace(state, snoozed_until_ms=until_ms)


def mute_chat(state: PolicyState, session_id: int) -> PolicyState:
    """No more reminders of any rule about this chat."""
    return replace(state, muted=state.muted | {session_id})


def candidates(now_ms: int, chats: Iterable[ChatSnapshot], spend: SpendSnapshot | None, r: Reminders,
               started_ms: int = 0, *, limits: LimitFacts | None = None, lim: Limits | None = None,
               tz: ZoneInfo | None = None) -> list[Nudge]:
    """Every reminder the rules would give now, before silencing and de-duplication."""
    out: list[Nudge] = []
    share = lim.context_share if lim is not None else 0.0
    for chat in chats:
        nudge = fresh_chat.candidate(chat, now_ms, r, share)
        if nudge is not None:
            out.append(nudge)
        # only caches that expired while we were watching: yesterday's idle chats are history
        if cache_expiry.expired_at(chat) >= started_ms:
            nudge = cache_expiry.candidate(chat, now_ms, r)
            if nudge is not None:
                out.append(nudge)
    if spend is not None:
        out.extend(budgets.budget_candidates(spend, now_ms, r))
    if limits is not None and lim is not None:  # rule 4, plan limits (issue 11)
        out.extend(plan_limits.candidates(limits, now_ms, lim, started_ms, tz or ZoneInfo("UTC")))
    return out


def silenced(now_ms: int, state: PolicyState, r: Reminders, tz: ZoneInfo, grace_ms: int = DEFAULT_GRACE_MS) -> bool:
    if state.snoozed_until_ms is not None and now_ms < state.snoozed_until_ms:
        return True
    return in_grace(now_ms, state.started_ms, grace_ms) or in_quiet_hours(now_ms, tz, r.quiet_start, r.quiet_end)


def evaluate(now_ms: int, chats: Iterable[ChatSnapshot], spend: SpendSnapshot | None, r: Reminders,
             tz: ZoneInfo, state: PolicyState, grace_ms: int = DEFAULT_GRACE_MS, *,
             limits: LimitFacts | None = None, lim: Limits | None = None) -> tuple[list[Nudge], PolicyState]:
    """The reminders to show now and the new state. Silenced reminders are not marked: they may fire later."""
    if silenced(now_ms, state, r, tz, grace_ms):
        return [], state
    due = [n for n in candidates(now_ms, chats, spend, r, state.started_ms, limits=limits, lim=lim, tz=tz)
           if n.key not in state.fired and n.session_id not in state.muted]
    if not due:
        return [], state
    fired = dict(state.fired)
    for n in due:
        for key in (n.key, *n.also_done):  # a 2T or 100 % reminder stands for the lower levels too
            fired.setdefault(key, now_ms)
    return due, replace(state, fired=fired)


def next_wake_ms(now_ms: int, chats: Iterable[ChatSnapshot], r: Reminders, tz: ZoneInfo, state: PolicyState,
                 grace_ms: int = DEFAULT_GRACE_MS, *, limits: LimitFacts | None = None,
                 lim: Limits | None = None) -> int | None:
    """The next moment a reminder may fall due with no new call: a cache expiring, or a silence ending.

    Fresh-chat and budget reminders change only when calls arrive, which wakes the app anyway.
    """
    moments = [state.started_ms + grace_ms]
    if state.snoozed_until_ms is not None:
        moments.append(state.snoozed_until_ms)
    quiet_end = quiet_end_ms(now_ms, tz, r.quiet_start, r.quiet_end)
    if quiet_end is not None:
        moments.append(quiet_end)
    if r.cache_expiry:
        moments.extend(cache_expiry.expired_at(c) for c in chats
                       if c.context >= r.context_threshold and c.session_id not in state.muted)
    if limits is not None and lim is not None:
        moments.extend(plan_limits.wake_ms(limits, now_ms, lim))
    future = [m for m in moments if m > now_ms]
    return min(future) if future else None
