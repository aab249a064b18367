"""The reminder log (what was shown, what the user did, whether a fresh chat followed) and the app's saved state."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from tokenpulse.store.tx import write_tx

# A reminder counts as followed when a new chat starts in the same project this soon after it.
FOLLOW_WINDOW_MS = 30 * 60_000
POLICY_STATE_KEY = "reminder_policy"
_CHAT_RULES = ("fresh_chat", "cache_expired")


@dataclass(frozen=True, slots=True)
class LoggedReminder:
    key: str
    rule: str
    title: str
    body: str
    session_id: int | None
    project: str | None
    shown_ms: int
    followed_ms: int | None
    action: str | None


def log_shown(conn: sqlite3.Connection, *, key: str, rule: str, title: str, body: str, session_id: int | None,
              project: str | None, shown_ms: int) -> bool:
    """Record a reminder as shown; False when that key was already logged (a reminder is logged once)."""
    with write_tx(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO reminder_log (key, rule, title, body, session_id, project, shown_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (key, rule, title, body, session_id, project, shown_ms))
    return cur.rowcount == 1


def record_action(conn: sqlite3.Connection, key: str, action: str) -> None:
    """What the user chose in a reminder (the first choice is kept: later clicks do not rewrite history)."""
    with write_tx(conn):
        conn.execute("UPDATE reminder_log SET action = ? WHERE key = ? AND action IS NULL", (action, key))


# A new top-level chat in the reminder's project, started within the window after it (not the chat itself).
_FRESH_CHAT_AFTER = ("FROM chat_session s WHERE s.project = reminder_log.project AND s.parent_key IS NULL"
                     " AND s.first_ms > reminder_log.shown_ms AND s.first_ms <= reminder_log.shown_ms + :window"
                     " AND s.id IS NOT reminder_log.session_id")


def mark_followed(conn: sqlite3.Connection, now_ms: int, window_ms: int = FOLLOW_WINDOW_MS) -> int:
    """Set `followed_ms` on chat reminders after which a new top-level chat started in the same project within
    `window_ms`; returns how many were marked. Cheap: only reminders of the last day are looked at."""
    with write_tx(conn):
        cur = conn.execute(
            f"UPDATE reminder_log SET followed_ms = (SELECT min(s.first_ms) {_FRESH_CHAT_AFTER})"
            f" WHERE followed_ms IS NULL AND project IS NOT NULL AND rule IN {_CHAT_RULES!r}"
            f" AND shown_ms >= :since AND EXISTS (SELECT 1 {_FRESH_CHAT_AFTER})",
            {"window": window_ms, "since": now_ms - 86_400_000 - window_ms})
    return max(cur.rowcount, 0)


def recent(conn: sqlite3.Connection, since_ms: int = 0, limit: int = 500) -> list[LoggedReminder]:
    """Reminders shown since `since_ms`, newest first."""
    rows = conn.execute("SELECT key, rule, title, body, session_id, project, shown_ms, followed_ms, action"
                        " FROM reminder_log WHERE shown_ms >= ? ORDER BY shown_ms DESC, id DESC LIMIT ?",
                        (since_ms, limit))
    return [LoggedReminder(*row) for row in rows]


def follow_rate(conn: sqlite3.Connection, since_ms: int, until_ms: int) -> tuple[int, int]:
    """(chat reminders shown, of which followed by a fresh chat) in [since_ms, until_ms)."""
    row = conn.execute(f"SELECT count(*), count(followed_ms) FROM reminder_log WHERE rule IN {_CHAT_RULES!r}"
                       " AND shown_ms >= ? AND shown_ms < ?", (since_ms, until_ms)).fetchone()
    return int(row[0]), int(row[1])


def load_state(conn: sqlite3.Connection, key: str = POLICY_STATE_KEY) -> str | None:
    row = conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def save_state(conn: sqlite3.Connection, value: str, key: str = POLICY_STATE_KEY) -> None:
    with write_tx(conn):
        conn.execute("INSERT INTO app_state (key, value) VALUES (?, ?)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
