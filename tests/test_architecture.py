"""House rules checked, not remembered: Qt only in gui/, a docstring on every module, no grab-bag modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "app" / "tokenpulse"
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_gui_package_imports_qt() -> None:
    offenders = []
    for path in _modules():
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "gui":
            continue
        qt = {n for n in _imports(ast.parse(path.read_text(encoding="utf-8"))) if n.split(".")[0] in QT_MODULES}
        if qt:
            offenders.append(f"{rel}: {sorted(qt)}")
    assert offenders == []


def test_core_does_not_import_the_gui() -> None:
    offenders = []
    for path in _modules():
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "gui" or rel.parts[:2] == ("cli", "main.py"):
            continue  # the CLI starts the app when no command is given
        if any(n.startswith("tokenpulse.gui") for n in _imports(ast.parse(path.read_text(encoding="utf-8")))):
            offenders.append(str(rel))
    assert offenders == []


def test_every_module_says_what_it_owns() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in _modules()
               if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert missing == []


def test_no_grab_bag_modules() -> None:
    assert [p.name for p in _modules() if p.stem in {"utils", "helpers", "misc", "common"}] == []
