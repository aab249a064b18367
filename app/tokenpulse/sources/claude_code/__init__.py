"""Claude Code: JSONL transcripts under `<root>/projects/**`, sub-agent files included."""

from tokenpulse.sources.claude_code.source import ClaudeCodeSource

__all__ = ["ClaudeCodeSource"]
