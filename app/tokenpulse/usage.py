"""The one shape every source produces: a counted API call with its four disjoint token types."""

from __future__ import annotations

from dataclasses import dataclass, field

# A count larger than this is not a real token count (the biggest context windows are ~10M);
# rejecting it keeps hostile input from overflowing SQLite's 64-bit integers in sums.
MAX_TOKENS = 10**12


@dataclass(slots=True)
class ApiCall:
    """One billed model call, normalised so that input, cache writes, cache reads and output are disjoint.

    `reasoning` is informational: it is a part of `output`, never added to it.
    `rank` orders competing records of the same call (Claude streaming lines): the larger wins.
    """

    source: str
    dedupe_key: bytes
    session_key: str
    ts_ms: int
    model: str
    input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    project: str | None = None
    parent_session_key: str | None = None
    is_sidechain: bool = False
    # Claude only: a 63-bit hash of message.id, to drop sidechain replays of main-chat messages.
    message_hash: int | None = None
    cost_usd: float | None = field(default=None)

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def context(self) -> int:
        """What the model read for this call: input + cache writes + cache reads."""
        return self.input + self.cache_write_5m + self.cache_write_1h + self.cache_read

    @property
    def total(self) -> int:
        return self.context + self.output


def valid_count(value: object) -> bool:
    """True for a JSON count we can trust: a non-negative integer of sane size (bools excluded)."""
    return type(value) is int and 0 <= value <= MAX_TOKENS
