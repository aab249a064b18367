"""Roo Code: the extension's task folders in the editors' global storage (see `editor_tasks.py`)."""

from __future__ import annotations

from tokenpulse.sources.editor_tasks import EditorTaskSource


class RooCodeSource(EditorTaskSource):
    name = "roo-code"
    label = "Roo Code"
    env_var = "ROO_CODE_STORAGE_DIR"  # tokenpulse's own: extension storage folders, comma-separated
    extension_id = "rooveterinaryinc.roo-cline"
