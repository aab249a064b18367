"""OpenAI Codex CLI: rollout JSONL files under `$CODEX_HOME/sessions` and `archived_sessions`."""

from tokenpulse.sources.codex.source import CodexSource

__all__ = ["CodexSource"]
