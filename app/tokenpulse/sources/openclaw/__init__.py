"""OpenClaw: pi-format JSONL transcripts under `~/.openclaw/agents/<agent>/sessions/`, archives included."""

from tokenpulse.sources.openclaw.source import OpenClawSource

__all__ = ["OpenClawSource"]
