"""Hermes Agent: per-session token totals in its SQLite state store (`~/.hermes/state.db`)."""

from tokenpulse.sources.hermes.source import HermesSource

__all__ = ["HermesSource"]
