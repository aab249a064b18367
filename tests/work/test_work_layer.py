"""The work reader is a bottom layer: standard library only, and nothing of tokenpulse outside its package."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

WORK = Path(__file__).resolve().parents[2] / "app" / "tokenpulse" / "work"


def test_work_imports_only_the_standard_library_and_itself() -> None:
    offenders = []
    for path in sorted(WORK.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [])
            for name in names:
                top = name.split(".")[0]
                if name.startswith("tokenpulse.work") or top in sys.stdlib_module_names:
                    continue
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
