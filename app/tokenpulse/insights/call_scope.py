"""Which calls a what-if or a model comparison covers: a time window and sources, and optionally one project
folder (its sub-folders included) or one chat (its sub-agent chats included)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from tokenpulse.store.queries import Filter


@dataclass(frozen=True, slots=True)
class Scope:
    window: Filter = field(default_factory=Filter)
    project: str | None = None  # a project folder: its chats and those of folders inside it
    chat_id: int | None = None  # a chat's id in the store: the chat and its sub-agent chats

    def where(self) -> tuple[str, list[object]]:
        """SQL over `api_call c JOIN chat_session s`."""
        sql, args = self.window.where("c")
        if self.project is not None:
            folder = self.project.rstrip("/") or "/"
            sql += " AND (s.project = ? OR substr(s.project, 1, ?) = ?)"
            prefix = folder if folder.endswith("/") else folder + "/"
            args += [folder, len(prefix), prefix]
        if self.chat_id is not None:
            sql += (" AND (s.id = ? OR (s.parent_key IS NOT NULL AND EXISTS (SELECT 1 FROM chat_session p"
                    " WHERE p.id = ? AND p.source = s.source AND p.session_key = s.parent_key)))")
            args += [self.chat_id, self.chat_id]
        return sql, args


def find_chat(conn: sqlite3.Connection, key: str) -> list[tuple[int, str, str]]:
    """Chats whose session id is `key` or starts with it: [(id, source, session id)], at most 10."""
    exact = conn.execute("SELECT id, source, session_key FROM chat_session WHERE session_key = ?", (key,)).fetchall()
    if exact:
        return [(int(i), str(s), str(k)) for i, s, k in exact]
    rows = conn.execute("SELECT id, source, session_key FROM chat_session WHERE substr(session_key, 1, ?) = ?"
                        " ORDER BY last_ms DESC LIMIT 10", (len(key), key)).fetchall()
    return [(int(i), str(s), str(k)) for i, s, k in rows]
