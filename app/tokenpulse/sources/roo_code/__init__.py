"""Roo Code (VS Code extension, a fork of Cline): `<globalStorage>/rooveterinaryinc.roo-cline/tasks/<task>/ui_messages.json`."""

from tokenpulse.sources.roo_code.source import RooCodeSource

__all__ = ["RooCodeSource"]
