"""The facts the reminder rules and the status read: a recent chat and the current spending, as snapshots."""

from __future__ import annotations

from dataclasses import dataclass

MINUTE_MS = 60_000


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
    read_price: float | None = None  # USD per cache-read token at the chat's context now (tier included)
    fresh_read_price: float | None = None  # the same for a fresh chat's small context (the base price)
    fresh_chat_hint: str | None = None  # how to start afresh in this agent ("/clear with a short brief, …")
    write_price: float | None = None  # cache-write price for the chat's cache lifetime
    one_hour_cache: bool = False
    context_window: int | None = None  # tokens (insights.context_windows); None: unknown
    source: str = ""  # "claude-code": with session_key, how the agent names the chat (the status line asks)
    session_key: str = ""

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
