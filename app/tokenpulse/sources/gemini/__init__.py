"""Gemini CLI: chat files under `~/.gemini/tmp/<projectHash>/chats/` (whole `.json` documents and `.jsonl`)."""

from tokenpulse.sources.gemini.source import GeminiSource

__all__ = ["GeminiSource"]
