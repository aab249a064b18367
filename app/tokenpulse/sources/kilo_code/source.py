"""Kilo Code: the extension's task folders in the editors' global storage (see `editor_tasks.py`)."""

from __future__ import annotations

from tokenpulse.sources.editor_tasks import EditorTaskSource


class KiloCodeSource(EditorTaskSource):
    name = "kilo-code"
    label = "Kilo Code"
    env_var = "KILO_CODE_STORAGE_DIR"  # tokenpulse's own: extension storage folders, comma-separated
    extension_id = "kilocode.kilo-code"
