"""Cline (VS Code extension): `<globalStorage>/saoudrizwan.claude-dev/tasks/<task>/ui_messages.json`."""

from tokenpulse.sources.cline.source import ClineSource

__all__ = ["ClineSource"]
