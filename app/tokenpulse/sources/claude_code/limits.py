"""Claude Code limit hits in transcripts (issue 11): the `<synthetic>` assistant notice Claude Code writes when a
plan limit stops a turn ("You've hit your limit · resets …"). Recorded as a hit, never as a call.

The notice is an API-error line: `"error": "rate_limit"`, `"isApiErrorMessage": true`, and in newer builds
`"quotaLimits": {"status": "rejected", "resetsAt": <epoch s>, "rateLimitType": "five_hour", …}`. Its text is
never read: the window and reset time come from `quotaLimits` when present.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tokenpulse.quota import FIVE_HOURS, SEVEN_DAYS, LimitHit, LimitRecords
from tokenpulse.sources.fields import parse_iso_ms, plausible_ms

SOURCE = "claude-code"
LIMIT_NEEDLE = b'"rate_limit"'  # the value of the notice's "error" field (escaped inside text, it never matches)
# A notice is a short line: the long lines of tool results and pasted files (most of a transcript's bytes) are
# not searched at all, and in the others only the end: the notice's "error" field follows its short message.
LIMIT_LINE_MAX = 16 * 1024
LIMIT_TAIL = 4 * 1024
SYNTHETIC = "<synthetic>"
WINDOWS = {"five_hour": FIVE_HOURS, "seven_day": SEVEN_DAYS, "seven_day_opus": SEVEN_DAYS,
           "seven_day_sonnet": SEVEN_DAYS}


class _Message(msgspec.Struct):
    model: Any = None  # only the model: the notice's text is skipped unread


class _Line(msgspec.Struct):
    type: Any = None
    timestamp: Any = None
    sessionId: Any = None
    error: Any = None
    isApiErrorMessage: Any = None
    quotaLimits: Any = None
    message: _Message | None = None


_DECODER = msgspec.json.Decoder(_Line)


class ClaudeLimitReader:
    """Per-file: `feed` each line holding LIMIT_NEEDLE; `take` the hits found."""

    def __init__(self) -> None:
        self._hits: list[LimitHit] = []
        self.skipped = 0

    def feed(self, line: bytes | memoryview, fallback_session: str | None = None) -> None:
        try:
            rec = _DECODER.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            self.skipped += 1
            return
        if rec.type != "assistant" or rec.error != "rate_limit":
            return
        quota = rec.quotaLimits if isinstance(rec.quotaLimits, dict) else {}
        rejected = quota.get("status") == "rejected"
        synthetic = rec.message is not None and rec.message.model == SYNTHETIC
        if not (rejected or (synthetic and rec.isApiErrorMessage is True)):
            return  # a transient 429 the agent retried, not the plan's limit
        ts_ms = parse_iso_ms(rec.timestamp)
        if ts_ms is None:
            return
        kind = quota.get("rateLimitType")
        resets = quota.get("resetsAt")
        session = rec.sessionId if isinstance(rec.sessionId, str) and rec.sessionId else fallback_session
        self._hits.append(LimitHit(
            SOURCE, ts_ms, "rate_limit", WINDOWS.get(kind) if isinstance(kind, str) else None,
            plausible_ms(resets * 1000) if type(resets) is int else None, session))

    def take(self) -> LimitRecords:
        out = LimitRecords(hits=self._hits)
        self._hits = []
        return out
