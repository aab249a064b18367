"""Finding the files shipped in `resources/` (icons, desktop entry, metainfo) wherever tokenpulse runs from.

Three layouts, tried in this order:

1. a PyInstaller bundle: `sys._MEIPASS/tokenpulse/resources` (the spec puts them there);
2. an installed wheel or sdist build: `site-packages/tokenpulse/resources` (hatch force-include);
3. a source checkout (including an editable install): `<repo>/resources`, next to `pyproject.toml`.

Qt-free and cheap to import: the CLI and the packaging scripts use it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent  # .../tokenpulse


def resource_roots() -> list[Path]:
    """The resource folders that exist here, most specific first."""
    candidates: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "tokenpulse" / "resources")
    candidates.append(_PACKAGE_DIR / "resources")
    repo = _PACKAGE_DIR.parent.parent  # app/tokenpulse -> app -> repo
    if (repo / "pyproject.toml").is_file():
        candidates.append(repo / "resources")
    roots: list[Path] = []
    for c in candidates:
        if c.is_dir() and c not in roots:
            roots.append(c)
    return roots


def resource_path(*parts: str) -> Path:
    """The shipped file `resources/<parts...>` from the first root that has it.

    When no root has it, the path it would have in the first root is returned (so a caller's error
    message names a sensible place); check `.exists()` where a missing file matters.
    """
    roots = resource_roots()
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    base = roots[0] if roots else _PACKAGE_DIR / "resources"
    return base.joinpath(*parts)
