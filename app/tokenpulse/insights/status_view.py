"""`tokenpulse status` facts as printed at the moment of asking, and the facts file the tray app keeps current.

Standard library only: when the tray app runs, `tokenpulse status` answers from this file without importing
the store, the sources or the settings (BENCHMARKS.md, status).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tokenpulse.clock import SKEW_MS

FACTS_NAME = "status.json"
LIVE_MS = 10 * 60_000  # a chat is live when its last call is this recent (the reminders and the tray too)


def is_live(last_ms: int, now_ms: int) -> bool:
    """Whether a chat whose latest call is at `last_ms` is live at `now_ms`."""
    return -SKEW_MS <= now_ms - last_ms <= LIVE_MS
# The app rewrites the file at every change and at least at each midnight; older facts mean it is stuck.
FRESH_FOR_MS = 26 * 3_600_000


def present(facts: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """The printed answer: the chats live at `now_ms` (with their idle time), spending and due reminders."""
    live = []
    for chat in facts["chats"]:
        idle = now_ms - int(chat["last_call_ms"])
        if is_live(int(chat["last_call_ms"]), now_ms):
            shown = {k: v for k, v in chat.items() if k != "last_call_ms"}
            shown["idle_seconds"] = max(0, idle // 1000)
            window = chat.get("context_window_tokens")
            shown["context_share"] = round(int(chat["context_tokens"]) / window, 4) if window else None
            live.append(shown)
    return {"now_ms": now_ms, "live_chats": live, "spend": facts["spend"], "due": facts["due"],
            "limits": [limit_object(rec, now_ms) for rec in facts.get("limits") or ()]}


def iso_utc(ms: int | None) -> str | None:
    import time

    return None if ms is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def limit_object(rec: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """A plan window's latest reading as `limits --json` and `status --json` print it (issue 11): the
    provider's own percentage, ISO 8601 UTC times, and whether it still describes the window in force."""
    resets, seen = rec.get("resets_ms"), int(rec["observed_ms"])
    current = now_ms < resets if resets is not None else now_ms - seen < int(rec["window_minutes"]) * 60_000
    return {"source": rec["source"], "window": rec["window"], "window_minutes": rec["window_minutes"],
            "used_percent": rec["used_percent"], "resets_at": iso_utc(resets), "observed_at": iso_utc(seen),
            "plan": rec.get("plan"), "scope": rec.get("scope"), "via": rec.get("via"), "current": current}


def write_facts(data_dir: Path, facts: dict[str, Any]) -> None:
    """Atomically replace the facts file (0600): a reader never sees half of it."""
    path = data_dir / FACTS_NAME
    tmp = path.with_name(f".{FACTS_NAME}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(facts, separators=(",", ":")).encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_facts(data_dir: Path, now_ms: int) -> dict[str, Any] | None:
    """The facts the app saved, or None when there are none, they are unreadable or too old to trust."""
    try:
        facts = json.loads((data_dir / FACTS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(facts, dict) or not all(k in facts for k in ("now_ms", "chats", "spend", "due")):
        return None
    if not isinstance(facts["now_ms"], int) or not 0 <= now_ms - facts["now_ms"] <= FRESH_FOR_MS:
        return None
    return facts
