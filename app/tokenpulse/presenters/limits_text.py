"""The words for plan limits (issue 11): "5 h: 62 % · resets in 1 h 40 · as of 3 min ago", pace, countdowns.

Pure, and light to import (the status line's fast path uses the plain-value helpers at the top): the tray, the
reminders, `tokenpulse limits` and the status line share these words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from tokenpulse.insights.plan_limits import WindowStatus
    from tokenpulse.snapshot import Snapshot

MINUTE_MS = 60_000
WINDOW_WORDS = {"5h": "5-hour", "7d": "weekly"}


def pct(value: float) -> str:
    """62 % · 23.5 % · 0.4 % (one decimal at most, none when it is whole)."""
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} %"


def duration(ms: int) -> str:
    """A span people read at a glance: "now", "12 min", "1 h 40", "2 d 3 h"."""
    minutes = max(0, ms) // MINUTE_MS
    if minutes < 1:
        return "now" if ms <= 0 else "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def age(now_ms: int, seen_ms: int) -> str:
    """"as of 3 min ago" (the reading's age)."""
    gone = now_ms - seen_ms
    return "as of just now" if gone < MINUTE_MS else f"as of {duration(gone)} ago"


def short_window(w: WindowStatus) -> str:
    """"5 h", "7 d"."""
    name = w.name
    return f"{name[:-1]} {name[-1]}"


def window_words(w: WindowStatus) -> str:
    """"5-hour window", "weekly window", "24h window"."""
    return f"{WINDOW_WORDS.get(w.name, w.name)} window"


def clock(ms: int, tz: ZoneInfo, now_ms: int | None = None) -> str:
    """15:20 today, "Fri 15:20" within six days, else "2026-03-01 15:20"."""
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz)
    if now_ms is None:
        return when.strftime("%H:%M")
    today = datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(tz).date()
    if when.date() == today:
        return when.strftime("%H:%M")
    return when.strftime("%a %H:%M") if abs((when.date() - today).days) <= 6 else when.strftime("%Y-%m-%d %H:%M")


def reading(w: WindowStatus, now_ms: int, tz: ZoneInfo) -> str:
    """"5 h: 62 % · resets in 1 h 40 · as of 3 min ago", or "7 d: unknown since the reset at Fri 09:00"; a
    reading from another device says which ("as of 3 min ago on workstation")."""
    if not w.current(now_ms):
        if w.resets_ms is not None:
            return f"{short_window(w)}: unknown since the reset at {clock(w.resets_ms, tz, now_ms)}"
        return f"{short_window(w)}: unknown (last reading {age(now_ms, w.seen_ms)[6:]}{origin(w)})"
    parts = [f"{short_window(w)}: {pct(w.used_percent)}"]
    if w.resets_ms is not None:
        parts.append(f"resets in {duration(w.resets_ms - now_ms)}")
    parts.append(age(now_ms, w.seen_ms) + origin(w))
    return " · ".join(parts)


def origin(w: WindowStatus) -> str:
    """" on workstation" for another device's reading (its name comes from that machine: escaped), else ""."""
    from tokenpulse.presenters.plain import no_markup

    return f" on {no_markup(w.device)}" if w.remote and w.device else ""


def pace(w: WindowStatus, now_ms: int) -> str | None:
    """"pace: 62 % used, 45 % of the time gone" plus a verdict; None when the reset time is unknown."""
    elapsed = w.elapsed_share(now_ms)
    if elapsed is None or not w.current(now_ms):
        return None
    verdict = "ahead of pace" if w.used_percent > elapsed * 100 else "within pace"
    return f"pace: {pct(w.used_percent)} used, {pct(round(elapsed * 100))} of the time gone ({verdict})"


def compact_reading(w: WindowStatus, now_ms: int) -> str:
    """For a status line: "5h 62% ↻1h40" (current) or "5h ?" (unknown since its reset)."""
    return compact(w.name, w.used_percent, w.resets_ms, w.current(now_ms), now_ms)


def compact(name: str, used: float, resets_ms: int | None, current: bool, now_ms: int) -> str:
    """"5h 62% ↻1h40" · "7d 31%" · "5h ?" (plain values: the status line has no WindowStatus)."""
    if not current:
        return f"{name} ?"
    text = f"{name} {pct(used).replace(' ', '')}"
    if resets_ms is not None and name.endswith(("m", "h")):
        left = duration(resets_ms - now_ms)
        text += " ↻" + left.replace(" min", "m").replace(" h ", "h").replace(" h", "h")
    return text


# --- the tray menu and tooltip (a Snapshot's windows) -----------------------------------------------------

def menu_lines(snap: Snapshot) -> list[str]:
    """Plan windows for the menu: "Claude Code: 5 h 62 % (resets 15:20) · 7 d 31 %" per provider.

    Reset times, not countdowns: the menu and the tooltip show a snapshot that is not redrawn every minute.
    """
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(snap.tz)
    by_source: dict[str, list[str]] = {}
    for w in snap.limits:
        if w.scope:
            continue
        if not w.current(snap.now_ms):
            text = f"{short_window(w)} unknown since its reset"
        else:
            text = f"{short_window(w)} {pct(w.used_percent)}"
            if w.resets_ms is not None and w.window_minutes < 1440:
                text += f" (resets {clock(w.resets_ms, tz, snap.now_ms)})"
        by_source.setdefault(w.label, []).append(text)
    return [f"{label}: {' · '.join(parts)}" for label, parts in by_source.items()]


def tooltip_line(snap: Snapshot) -> str | None:
    """The tooltip's line for the tightest window past the icon setting: "Plan: Codex 5 h at 82 % · resets 15:20"."""
    from zoneinfo import ZoneInfo

    w = snap.tight_limit()
    if w is None:
        return None
    text = f"Plan: {w.label} {short_window(w)} at {pct(w.used_percent)}"
    return text + (f" · resets {clock(w.resets_ms, ZoneInfo(snap.tz), snap.now_ms)}" if w.resets_ms is not None
                   else "")
