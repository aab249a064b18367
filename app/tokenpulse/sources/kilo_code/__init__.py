"""Kilo Code (VS Code extension, a fork of Roo Code): `<globalStorage>/kilocode.kilo-code/tasks/<task>/ui_messages.json`."""

from tokenpulse.sources.kilo_code.source import KiloCodeSource

__all__ = ["KiloCodeSource"]
