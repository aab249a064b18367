"""Roo Code (a Cline fork): `<globalStorage>/rooveterinaryinc.roo-cline/tasks/*/ui_messages.json`."""

from tokenpulse.sources.roo_code.source import RooCodeSource

__all__ = ["RooCodeSource"]
