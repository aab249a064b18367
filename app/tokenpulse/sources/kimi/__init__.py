"""Kimi CLI: `wire.jsonl` files under `~/.kimi/sessions/<work-dir hash>/<session>/` (StatusUpdate events)."""

from tokenpulse.sources.kimi.source import KimiSource

__all__ = ["KimiSource"]
