"""Where the time and money went (no DB): one chat's waste and cache-read spend per UTC quarter-hour, and the
three facts the summary and the charts' footers state about a range.

The facts are shares of the range's cache-read spend (cache-read tokens × the call's cache-read price):

- at long context: spent by calls that re-read more than LONG_CONTEXT_TOKENS;
- in long chats: spent by chats active for more than LONG_CHAT_MS (time between consecutive calls, gaps
  longer than IDLE_GAP_MS left out: a chat left open overnight was not active);
- while crowded: spent in quarter-hours in which CROWD_CHATS or more chats (sub-agent chats not counted: they
  run inside their parent) had calls.

The quarter-hours of a chat add up to its figures (insights.waste): both come from the same walk over its calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from tokenpulse.insights.waste import CallPoint, share, waste_of

QUARTER_MS = 900_000
LONG_CONTEXT_TOKENS = 150_000
LONG_CHAT_MS = 8 * 3_600_000
IDLE_GAP_MS = 30 * 60_000
CROWD_CHATS = 3


@dataclass(frozen=True, slots=True)
class QuarterWaste:
    """One chat's calls in one UTC quarter-hour. Costs are None when no call in it has a known price."""

    bucket_ms: int
    calls: int
    waste_tokens: int
    waste_cost: float | None
    read_cost: float | None  # cache-read spend
    long_context_read_cost: float | None  # of calls that re-read more than LONG_CONTEXT_TOKENS
    long_chat_read_cost: float | None  # all of read_cost when the chat is a long one, else 0


def active_ms(ts_ms: Sequence[int]) -> int:
    """Time a chat was worked in: the gaps between its calls (in order), those over IDLE_GAP_MS left out."""
    total = 0
    for a, b in pairwise(ts_ms):
        gap = b - a
        if 0 < gap <= IDLE_GAP_MS:
            total += gap
    return total


class _Quarter:
    """A quarter-hour being summed."""

    __slots__ = ("calls", "long_context", "read", "waste", "waste_cost")

    def __init__(self) -> None:
        self.calls = 0
        self.waste = 0
        self.waste_cost: float | None = None
        self.read: float | None = None
        self.long_context: float | None = None


def quarter_hours(points: Sequence[CallPoint], recap_allowance: int) -> list[QuarterWaste]:
    """A chat's calls (in order; the first sets the fresh floor) summed per UTC quarter-hour, oldest first."""
    if not points:
        return []
    floor = points[0].context
    long_chat = active_ms([p.ts_ms for p in points]) > LONG_CHAT_MS
    sums: dict[int, _Quarter] = {}
    for p in points:
        bucket = p.ts_ms - p.ts_ms % QUARTER_MS
        q = sums.get(bucket)
        if q is None:
            q = sums[bucket] = _Quarter()
        q.calls += 1
        w = waste_of(p.context, floor, recap_allowance)
        q.waste += w
        price = p.read_price
        if price is None:
            continue  # unknown prices are left out; "no known price at all" stays None, never 0
        read = p.cache_read * price
        q.waste_cost = (q.waste_cost or 0.0) + w * price
        q.read = (q.read or 0.0) + read
        q.long_context = (q.long_context or 0.0) + (read if p.context > LONG_CONTEXT_TOKENS else 0.0)
    return [QuarterWaste(b, q.calls, q.waste, q.waste_cost, q.read, q.long_context,
                         None if q.read is None else (q.read if long_chat else 0.0))
            for b, q in sorted(sums.items())]


@dataclass(frozen=True, slots=True)
class SpendFacts:
    """A range's cache-read spend and the parts of it the three facts name; None when no price is known."""

    read_cost: float | None = None
    long_context: float | None = None
    long_chat: float | None = None
    crowded: float | None = None
    waste_cost: float | None = None
    waste_tokens: int = 0

    @property
    def long_context_share(self) -> float | None:
        return share(self.long_context, self.read_cost)

    @property
    def long_chat_share(self) -> float | None:
        return share(self.long_chat, self.read_cost)

    @property
    def crowded_share(self) -> float | None:
        return share(self.crowded, self.read_cost)
