"""Amp: thread documents under `~/.local/share/amp/threads/T-*.json` (usage ledger and message usage)."""

from tokenpulse.sources.amp.source import AmpSource

__all__ = ["AmpSource"]
