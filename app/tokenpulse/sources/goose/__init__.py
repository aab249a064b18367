"""Goose: per-session token totals in its SQLite session store (`~/.local/share/goose/sessions/sessions.db`)."""

from tokenpulse.sources.goose.source import GooseSource

__all__ = ["GooseSource"]
