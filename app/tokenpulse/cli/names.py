"""Names from the logs made short enough for a table column (escaping is the table's: `cli.table`)."""

from __future__ import annotations

import re

UNKNOWN_FOLDER = "(unknown folder)"
_DATED = re.compile(r"-(?:20\d{6}|\d{4}-\d{2}-\d{2})$")  # a snapshot date ending a model's name


def short_model(name: str) -> str:
    """A model without its snapshot date (claude-sonnet-4-5-20250929 → claude-sonnet-4-5), as the charts show it."""
    return _DATED.sub("", name)


def short_project(path: str) -> str:
    """The last two folders of a working folder, as the charts show it; "(unknown folder)" when unknown."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    return "/".join(parts[-2:]) if parts else UNKNOWN_FOLDER


def tilde(path: str, home: str | None) -> str:
    """`path` with the user's home folder shown as "~" (the width goes to what tells folders apart)."""
    home = (home or "").rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home):]
    return path
