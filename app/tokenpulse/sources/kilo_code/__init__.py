"""Kilo Code (VS Code extension, a Roo Code fork): `<globalStorage>/kilocode.kilo-code/tasks/<id>/ui_messages.json`."""

from tokenpulse.sources.kilo_code.source import KiloCodeSource

__all__ = ["KiloCodeSource"]
