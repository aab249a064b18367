"""What every parser owes its caller, as assertions: sane calls, honest counters, one outcome per line."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from hypothesis import HealthCheck, settings

from tokenpulse.usage import MAX_TOKENS, ApiCall

# No example database: the checkout is shared, and a failure prints its own reproducing example.
SETTINGS = settings(deadline=None, database=None, max_examples=100,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Lines of bytes cost hypothesis a few choices each, so more of them fit in the same time.
CHEAP = settings(SETTINGS, max_examples=250)

COUNT_FIELDS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning")
SQLITE_MAX = 2**63 - 1
TS_MIN_MS = 946_684_800_000  # 2000-01-01: the parsers' window for a believable stamp
TS_MAX_MS = 4_102_444_800_000  # 2100-01-01


def assert_sane_call(call: object, source: str) -> None:
    """A call the store can take as it is: non-negative integer counts (bool is not a count), a stamp in the
    parsers' window, text where text belongs."""
    assert isinstance(call, ApiCall), call
    for name in COUNT_FIELDS:
        value = getattr(call, name)
        assert type(value) is int and 0 <= value <= MAX_TOKENS, (name, value)
    assert call.reasoning <= call.output, call
    assert call.total <= SQLITE_MAX
    assert type(call.ts_ms) is int and TS_MIN_MS <= call.ts_ms <= TS_MAX_MS, call.ts_ms
    assert call.source == source
    assert type(call.dedupe_key) is bytes and len(call.dedupe_key) == 16
    for name in ("session_key", "model"):
        value = getattr(call, name)
        assert type(value) is str and value, (name, value)
    for name in ("project", "parent_session_key"):
        value = getattr(call, name)
        assert value is None or (type(value) is str and value), (name, value)
    assert type(call.is_sidechain) is bool
    assert call.message_hash is None or (type(call.message_hash) is int and 0 <= call.message_hash <= SQLITE_MAX)


def assert_honest_counter(skipped: Counter[str]) -> None:
    for reason, n in skipped.items():
        assert type(reason) is str and reason, skipped
        assert type(n) is int and n > 0, skipped


@dataclass
class LineOutcome:
    line: bytes
    call: ApiCall | None
    skipped: int  # how many skips this line added
    duplicates: int


def feed_all(parser: Any, lines: list[bytes], source: str) -> list[LineOutcome]:
    """Feed every line, checking after each that the parser kept its promises."""
    out = []
    for line in lines:
        skipped_before = sum(parser.skipped.values())
        dups_before = getattr(parser, "duplicates", 0)
        records_before = parser.usage_records
        call = parser.feed(line)
        skipped = sum(parser.skipped.values()) - skipped_before
        dups = getattr(parser, "duplicates", 0) - dups_before
        assert 0 <= skipped <= 1, f"one line counted {skipped} times: {parser.skipped}"
        assert call is None or skipped == 0, "a line both counted as a call and skipped"
        assert parser.usage_records - records_before in (0, 1)
        if call is not None:
            assert_sane_call(call, source)
        out.append(LineOutcome(line, call, skipped, dups))
    assert_honest_counter(parser.skipped)
    state = parser.state()
    assert json.loads(json.dumps(state)) == state, "state must survive a JSON round trip unchanged"
    return out


def calls_of(outcomes: list[LineOutcome]) -> list[ApiCall]:
    return [o.call for o in outcomes if o.call is not None]


# What a later record of a stored call replaces (the ledger's upsert); the rest stays as first stored.
_UPDATED = ("ts_ms", "model", *COUNT_FIELDS)


def as_stored(calls: list[ApiCall]) -> dict[bytes, tuple[Any, ...]]:
    """What the store keeps of these calls: one per key, the first one's identity, and the counts, stamp and
    model of the one with the larger (output, context) (the ledger's rule)."""
    kept: dict[bytes, dict[str, Any]] = {}
    best: dict[bytes, ApiCall] = {}
    for call in calls:
        seen = best.get(call.dedupe_key)
        if seen is None:
            kept[call.dedupe_key] = {f.name: getattr(call, f.name) for f in fields(call) if f.name != "cost_usd"}
        if seen is None or (call.output, call.context) > (seen.output, seen.context):
            best[call.dedupe_key] = call
            kept[call.dedupe_key].update({name: getattr(call, name) for name in _UPDATED})
    return {key: tuple(row.values()) for key, row in kept.items()}
