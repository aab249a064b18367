"""The layers point one way and nothing imports in a circle: checked over every import, deferred ones included.

Bottom to top (a module may import its own layer and the layers below it, never above):
  base        usage, quota, clock, config, resources, platform, untrusted_text, app_log, native
  data        sources, pricing, store, work
  derive      ingest, insights
  decide      nudges, presenters, snapshot
  run         service, workspace
  face        gui, cli, __main__
Inside a layer the packages may use each other one way only (a cycle between modules fails the last test).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "app" / "tokenpulse"
LAYERS = [
    {"usage", "quota", "clock", "config", "resources", "platform", "untrusted_text", "app_log", "native"},
    {"sources", "pricing", "store", "work"},
    {"ingest", "insights"},
    {"nudges", "presenters", "snapshot"},
    {"service", "workspace"},
    {"gui", "cli", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """Module -> the tokenpulse modules it imports (`from pkg import submodule` resolved to the submodule)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in paths else node.module
                           for a in node.names]
            for target in targets:
                if target.startswith("tokenpulse.") and target != name:
                    while target not in paths and "." in target:
                        target = target.rsplit(".", 1)[0]
                    if target in paths and target != name and target != "tokenpulse":
                        graph[name].add(target)
    return graph


def _top(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_every_top_level_name_has_a_layer() -> None:
    tops = {_top(_module_name(p)) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    assert sorted(tops - set(RANK) - {"tokenpulse"}) == []


def test_layers_point_down() -> None:
    upward = sorted(f"{a} -> {b}" for a, targets in _graph().items() for b in targets
                    if _top(a) in RANK and _top(b) in RANK and RANK[_top(b)] > RANK[_top(a)])
    assert upward == []


def test_packages_of_one_layer_use_each_other_one_way() -> None:
    edges = {(_top(a), _top(b)) for a, targets in _graph().items() for b in targets if _top(a) != _top(b)}
    both_ways = sorted(f"{a} <-> {b}" for a, b in edges if (b, a) in edges and a < b)
    assert both_ways == []


def test_no_module_imports_in_a_circle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert [" -> ".join(c) for c in cycles] == []
