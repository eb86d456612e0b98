"""The offline parser's modules import one another in one direction: no cycle, no private names.

A cycle (parser → planning → reading → parser) made every module half-loaded at import
time and forced lazy imports; the shared grammar and schema lookups now live in leaf
modules (``grammar``, ``columns``). This reads the imports from the source, so a new
cycle fails here rather than at someone's first import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import elt_project.analytics.nl2sql as package

PREFIX = "elt_project.analytics.nl2sql"


def _imports() -> dict[str, dict[str, set[str]]]:
    """module -> {imported module -> names}, lazy (function-level) imports included."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in Path(package.__file__).parent.glob("*.py"):
        found: dict[str, set[str]] = {}
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
                rest = node.module[len(PREFIX) :].lstrip(".")
                for alias in node.names:
                    target = rest or alias.name  # "from ...nl2sql import guards" names a module
                    found.setdefault(target, set()).add(alias.name)
        graph[path.stem] = found
    return graph


def _cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    cycles = []

    def walk(module: str, path: list[str]) -> None:
        for target in graph.get(module, {}):
            if target in path:
                cycles.append(path[path.index(target) :] + [target])
            elif target in graph:
                walk(target, path + [target])

    for module in graph:
        walk(module, [module])
    return cycles


def test_no_import_cycle_and_no_private_name_crosses_a_module():
    graph = _imports()
    assert {"grammar", "columns", "parser", "planning", "reading"} <= set(graph)
    assert _cycles(graph) == []
    private = [(m, t, n) for m, targets in graph.items() for t, names in targets.items() for n in names
               if n.startswith("_") and t != "__init__"]  # fmt: skip
    assert private == []
