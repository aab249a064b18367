"""GitHub Copilot CLI: its OpenTelemetry file export (`~/.copilot/otel/*.jsonl`), chat spans only."""

from tokenpulse.sources.copilot_cli.source import CopilotCliSource

__all__ = ["CopilotCliSource"]
