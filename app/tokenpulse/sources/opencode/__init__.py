"""OpenCode: the SQLite `opencode.db` (current) and legacy `storage/message/**/*.json` message files."""

from tokenpulse.sources.opencode.source import OpenCodeSource

__all__ = ["OpenCodeSource"]
