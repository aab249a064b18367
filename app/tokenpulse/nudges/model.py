"""The data the nudge rules read (chat and spend snapshots) and what they produce (Nudge)."""

from __future__ import annotations

from dataclasses import dataclass

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Action:
    id: str  # what the renderer reports back: "open_chat", "snooze_1h", "mute_chat", "open_budgets", "dismiss"
    label: str


OPEN_CHAT = Action("open_chat", "Open in charts")
SNOOZE_1H = Action("snooze_1h", "Snooze 1 h")
MUTE_CHAT = Action("mute_chat", "Not for this chat")
DISMISS = Action("dismiss", "Dismiss")


@dataclass(frozen=True, slots=True)
class Nudge:
    rule: str  # "fresh_chat", "cache_expired", "budget", "output_goal", "budget_pace"
    key: str  # unique per reminder: each key fires at most once
    title: str
    body: str
    actions: tuple[Action, ...] = ()
    project: str | None = None  # for the log's "followed" check
    also_done: tuple[str, ...] = ()  # lower levels this reminder stands for (not to fire after it)
    session_id: int | None = None  # the chat it is about (open it, mute it), if any


@dataclass(frozen=True, slots=True)
class ChatSnapshot:
    """A recent chat as the rules see it; prices are USD per token of the last call's model, None if unknown."""

    session_id: int
    agent: str  # "Claude Code"
    project: str | None
    calls: int
    first_context: int  # F
    context: int  # the last call's context
    last_ms: int
    first_cost: float | None  # cost of the first message
    last_cost: float | None  # cost of the latest message
    waste_tokens: int = 0
    waste_cost: float | None = None
    read_price: float | None = None
    write_price: float | None = None  # cache-write price for the chat's cache lifetime
    one_hour_cache: bool = False

    @property
    def cache_lifetime_ms(self) -> int:
        return 60 * MINUTE_MS if self.one_hour_cache else 5 * MINUTE_MS


@dataclass(frozen=True, slots=True)
class SpendSnapshot:
    """Spending in the current local day, week (from Monday) and month; keys name the periods."""

    day_key: str  # "2026-03-01"
    week_key: str  # "2026-W09"
    month_key: str  # "2026-03"
    day_cost: float
    week_cost: float
    month_cost: float
    day_output: int
    month_start_ms: int
    month_end_ms: int
