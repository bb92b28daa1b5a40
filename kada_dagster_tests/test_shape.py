"""The code's shape, checked: small functions and classes, and no module that imports its importer."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kada_dagster"
MAX_FUNCTION_LINES, MAX_CLASS_LINES = 60, 250


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


def test_no_function_over_60_lines_and_no_class_over_250() -> None:
    too_long = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    too_long.append(f"{name}.{node.name}: {lines} lines")
    assert too_long == []


def _module_level_imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """kada_dagster modules imported when `name` is imported (not inside functions or TYPE_CHECKING)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports never run
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join(name.split(".")[: -node.level] + [node.module])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        found |= {t for t in targets if t in known and t != name}
    return found


def test_no_module_imports_another_that_imports_it_back() -> None:
    modules = _modules()
    graph = {name: _module_level_imports(name, tree, set(modules)) for name, tree in modules.items()}
    assert sum(len(v) for v in graph.values()) > 40  # the scan sees the package's imports
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen and not nxt.startswith(start + "."):
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []
