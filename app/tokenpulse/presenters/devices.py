"""The words for devices: how old a device's copy is, and one line per device for the summary and `tokenpulse sync`.

Device names and problems come from other machines (through the sync folder): they are cleaned when read and
made markup-free here, like every name from the logs.
"""

from __future__ import annotations

from tokenpulse.presenters.numbers import grouped
from tokenpulse.presenters.plain import no_markup
from tokenpulse.snapshot import DeviceLine

STALE_AFTER_MS = 2 * 86_400_000  # a device that has not published for this long is called out


def age_text(age_ms: int) -> str:
    """"just now", "4 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0, age_ms) // 1000
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86_400 * 2:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} days ago"


def copy_age(line: DeviceLine, now_ms: int) -> str:
    """How old the device's numbers are: when it published the copy in use (this device: when it last published)."""
    if line.written_ms is None:
        return "not published yet" if line.this else "no copy yet"
    verb = "published" if line.this else "written"
    return f"{verb} {age_text(now_ms - line.written_ms)}"


def is_stale(line: DeviceLine, now_ms: int) -> bool:
    return not line.this and line.written_ms is not None and now_ms - line.written_ms > STALE_AFTER_MS


def device_line(line: DeviceLine, now_ms: int) -> str:
    """"workstation · 1,204 calls · written 3 h ago" (and the problem, if any), safe for any widget."""
    name = no_markup(line.label) + (" (this machine)" if line.this else "")
    parts = [name, f"{grouped(line.calls)} calls", copy_age(line, now_ms)]
    if is_stale(line, now_ms):
        parts.append("no news since")
    text = " · ".join(parts)
    return f"{text} — {no_markup(line.problem)}" if line.problem else text
