"""Cline: the extension's task folders in the editors' global storage (see `editor_tasks.py`)."""

from __future__ import annotations

from tokenpulse.sources.editor_tasks import EditorTaskSource


class ClineSource(EditorTaskSource):
    name = "cline"
    label = "Cline"
    env_var = "CLINE_STORAGE_DIR"  # tokenpulse's own: extension storage folders, comma-separated
    extension_id = "saoudrizwan.claude-dev"
