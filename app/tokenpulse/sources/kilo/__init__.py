"""Kilo CLI: its SQLite message store `~/.local/share/kilo/kilo.db` (OpenCode's schema; Kilo is a fork)."""

from tokenpulse.sources.kilo.source import KiloSource

__all__ = ["KiloSource"]
