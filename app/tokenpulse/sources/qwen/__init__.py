"""Qwen Code: JSONL chat records under `~/.qwen/projects/<project>/chats/`."""

from tokenpulse.sources.qwen.source import QwenSource

__all__ = ["QwenSource"]
