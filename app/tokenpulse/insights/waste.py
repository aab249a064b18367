"""The waste arithmetic of one chat: fresh floor F, recap allowance R, waste tokens and their cost (no DB).

"Waste share" has one meaning everywhere (popup, tooltip, charts, CSV, CLI): long-chat waste cost as a share of
the total cost of the same calls (`waste_share`). It is a share of cost, never of tokens, so it answers "how
much of the bill would fresh chats have saved"; figures in tokens are shown as token counts, not as a share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallPoint:
    """One API call as the waste math sees it."""

    context: int  # input + cache writes + cache reads: what the model read
    read_price: float | None = None  # USD per cache-read token as the call was billed (tier included); None: unknown
    cost: float | None = None  # the call's own cost; None when its model has no known price
    ts_ms: int = 0
    cache_read: int = 0  # the part of `context` read from the cache


@dataclass(frozen=True, slots=True)
class ChatFigures:
    calls: int
    first_context: int  # F
    peak_context: int
    last_context: int
    context_tokens: int  # Σ context_k
    waste_tokens: int  # Σ waste_k
    waste_cost: float | None  # Σ waste_k × read price; None when no wasteful call has a known price
    cost: float | None  # Σ cost_k; None when no call has a known price

    @property
    def waste_share(self) -> float | None:
        return waste_share(self.waste_cost, self.cost)


def context_of(input: int, cache_write: int, cache_read: int) -> int:
    return input + cache_write + cache_read


def waste_of(context: int, first_context: int, recap_allowance: int) -> int:
    """waste_k = max(0, context_k − F − R): what a fresh chat with a short recap would not have re-read."""
    return max(0, context - first_context - recap_allowance)


def waste_per_call(contexts: Sequence[int], recap_allowance: int) -> list[int]:
    if not contexts:
        return []
    floor = contexts[0]
    return [waste_of(c, floor, recap_allowance) for c in contexts]


def share(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole


WASTE_SHARE_HELP = "long-chat waste cost as a share of the cost of the same calls"


def waste_share(waste_cost: float | None, cost: float | None) -> float | None:
    """The one definition of "waste share": waste cost ÷ cost of the same calls (None when either is unknown)."""
    return share(waste_cost, cost)


def chat_figures(points: Sequence[CallPoint], recap_allowance: int) -> ChatFigures:
    """The figures of a chat from its calls in order (the first call sets the fresh floor)."""
    if not points:
        return ChatFigures(0, 0, 0, 0, 0, 0, None, None)
    floor = points[0].context
    waste_tokens = 0
    waste_cost: float | None = None
    cost: float | None = None
    peak = 0
    total = 0
    for p in points:
        total += p.context
        peak = max(peak, p.context)
        w = waste_of(p.context, floor, recap_allowance)
        waste_tokens += w
        if w and p.read_price is not None:
            # like SQL sum(): unknown prices are left out, and "no known price at all" stays None, never 0
            waste_cost = (waste_cost or 0.0) + w * p.read_price
        if p.cost is not None:
            cost = (cost or 0.0) + p.cost
    if waste_tokens == 0:
        waste_cost = 0.0  # nothing wasted costs nothing, whatever the price
    return ChatFigures(len(points), floor, peak, points[-1].context, total, waste_tokens, waste_cost, cost)


def fresh_chat_saving(context: int, first_context: int, recap_allowance: int, read_price: float | None,
                      fresh_read_price: float | None = None, messages: int = 10) -> float | None:
    """Estimated saving of a fresh chat over the next `messages`: what each message re-reads now (at the price it
    is billed, a long-context tier included) less what a fresh chat would re-read (F + R at its own price)."""
    if read_price is None:
        return None
    fresh = read_price if fresh_read_price is None else fresh_read_price
    per_message = context * read_price - (first_context + recap_allowance) * fresh
    return max(0.0, per_message) * messages
