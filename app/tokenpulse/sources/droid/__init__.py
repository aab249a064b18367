"""Factory Droid: per-session token totals in `~/.factory/sessions/**/<session>.settings.json`."""

from tokenpulse.sources.droid.source import DroidSource

__all__ = ["DroidSource"]
