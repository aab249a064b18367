"""Rule 4 (issue 11): plan limits. A window at 80 % and at 95 % of its limit (settings), once per level and window;
and after a limit hit, "your 5-hour window has reset" once that window has turned over.

Only the provider's own readings count, and only while they describe the window in force; a reset is announced
only when it happened while the app was watching (history never fires).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tokenpulse.config.settings import Limits
from tokenpulse.insights.plan_limits import SOURCE_LABELS, LimitFacts, PendingReset, WindowStatus
from tokenpulse.nudges.model import DISMISS, SNOOZE_1H, Nudge
from tokenpulse.presenters.limits_text import clock, duration, pace, pct, window_words

RULE = "plan_limit"
RESET_RULE = "limit_reset"
# Tell while it is news: a reset noticed hours later (asleep, quiet hours) is not worth a popup.
RESET_NOTICE_MS = 3 * 60 * 60_000
_PERIOD_MS = 15 * 60_000  # a window's period is named by its reset time in these steps (absorbs the jitter)


def _period(resets_ms: int | None, seen_ms: int, window_ms: int) -> int:
    """A name for the window's current period: its reset time, coarsely; without one, the reading's window."""
    if resets_ms is not None:
        return round(resets_ms / _PERIOD_MS)
    return seen_ms // window_ms


def level_key(w: WindowStatus, period: int, level: float) -> str:
    return f"{RULE}:{w.source}:{w.scope}:{w.name}:{period}:{level:g}"


def window_candidates(facts: LimitFacts, now_ms: int, lim: Limits, tz: ZoneInfo) -> list[Nudge]:
    """The warn and urgent reminders of every current window at or past them (the higher level only)."""
    if not lim.reminders:
        return []
    out = []
    levels = sorted({lim.urgent_percent, lim.warn_percent}, reverse=True)
    for w in facts.windows:
        if not w.current(now_ms):
            continue
        reached = next((lvl for lvl in levels if lvl > 0 and w.used_percent >= lvl), None)
        if reached is None:
            continue
        period = _period(w.resets_ms, w.seen_ms, w.window_ms)
        # a reset time read a few seconds apart may round to the next step: the neighbours stand for this one
        neighbours = (period - 1, period + 1) if w.resets_ms is not None else ()
        done = tuple(level_key(w, p, lvl) for lvl in levels if lvl <= reached for p in (period, *neighbours)
                     if (p, lvl) != (period, reached))
        out.append(Nudge(RULE, level_key(w, period, reached), _title(w), _body(w, now_ms, tz),
                         (SNOOZE_1H, DISMISS), also_done=done))
    return out


def _title(w: WindowStatus) -> str:
    return f"{w.label}: {window_words(w)} at {pct(w.used_percent)}"


def _nb(text: str) -> str:
    """"1 h 19", "82 %": kept on one line where a balloon or notification wraps the body."""
    return text.replace(" ", "\u00a0")


def _body(w: WindowStatus, now_ms: int, tz: ZoneInfo) -> str:
    ago = now_ms - w.seen_ms
    parts = [f"{w.label} reports {_nb(pct(w.used_percent))} of your {window_words(w)} used"
             + (f" (as of {_nb(duration(ago))} ago)." if ago >= 60_000 else ".")]
    if w.resets_ms is not None:
        parts.append(f"It resets in {_nb(duration(w.resets_ms - now_ms))}, at {clock(w.resets_ms, tz, now_ms)}.")
    said = pace(w, now_ms)
    if said is not None:
        parts.append(said[0].upper() + said[1:].replace(" %", "\u00a0%") + ".")
    return " ".join(parts)


def reset_candidates(facts: LimitFacts, now_ms: int, lim: Limits, started_ms: int, tz: ZoneInfo) -> list[Nudge]:
    """After a limit hit: the window has turned over (only resets that happened while the app was watching)."""
    if not lim.reset_reminder:
        return []
    out = []
    for p in facts.resets:
        if not (started_ms <= p.resets_ms <= now_ms < p.resets_ms + RESET_NOTICE_MS):
            continue
        out.append(Nudge(RESET_RULE, reset_key(p), _reset_title(p),
                         f"{SOURCE_LABELS.get(p.source, p.source)} stopped at the limit at"
                         f" {clock(p.hit_ms, tz, now_ms)}; the window reset at {clock(p.resets_ms, tz, now_ms)}."
                         " You can carry on.", (DISMISS,)))
    return out


def _reset_title(p: PendingReset) -> str:
    words = {300: "5-hour", 10_080: "weekly"}.get(p.window_minutes, f"{p.window_minutes}-minute")
    return f"Your {SOURCE_LABELS.get(p.source, p.source)} {words} window has reset"


def reset_key(p: PendingReset) -> str:
    return f"{RESET_RULE}:{p.source}:{p.window_minutes}:{round(p.resets_ms / _PERIOD_MS)}"


def candidates(facts: LimitFacts, now_ms: int, lim: Limits, started_ms: int, tz: ZoneInfo) -> list[Nudge]:
    return window_candidates(facts, now_ms, lim, tz) + reset_candidates(facts, now_ms, lim, started_ms, tz)


def wake_ms(facts: LimitFacts, now_ms: int, lim: Limits) -> list[int]:
    """Moments a limit reminder falls due with no new log line: the resets after hits."""
    if not lim.reset_reminder:
        return []
    return [p.resets_ms for p in facts.resets if p.resets_ms > now_ms]
