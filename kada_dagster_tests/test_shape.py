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


# --- the harness (kada_sim) and the benchmarks under the same size caps ---------------------------------

ROOT = PACKAGE.parent
HARNESS = ("kada_sim", "benchmarks")
MAX_FILE_LINES = 400
TESTS = ROOT / "kada_dagster_tests"


def _sources(*folders: str) -> dict[str, ast.Module]:
    """Every module under ``folders`` by its path relative to the repository."""
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
            for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))}


def _too_long(trees: dict[str, ast.Module]) -> list[str]:
    too_long = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    too_long.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    return too_long


def test_the_harness_and_benchmarks_keep_the_size_caps() -> None:
    """kada_sim and benchmarks: no file over 400 lines, no function over 60, no class over 250."""
    trees = _sources(*HARNESS)
    assert len(trees) > 40  # the scan sees both packages
    long_files = [f"{name}: {n} lines" for name in trees
                  if (n := len((ROOT / name).read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES]
    assert long_files == []
    assert _too_long(trees) == []


# --- the tests: no test module imports another; every test asserts -------------------------------------


def _imported_modules(tree: ast.Module, package: str) -> set[str]:
    """Every module an import statement anywhere in ``tree`` names (relative imports resolved in ``package``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([package, *([base] if base else [])])
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


def _is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return name.startswith("kada_dagster_tests.") and (last.startswith("test_") or last == "conftest")


def test_no_module_imports_a_test_module() -> None:
    """Shared helpers live in *_helpers.py (one per concern) and shared fixtures in conftest.py: nothing
    imports a test module (or conftest), so no test module's fixtures or private helpers leak into another."""
    trees = _sources("kada_dagster_tests", "kada_sim", "benchmarks", "kada_dagster")
    offenders = sorted(f"{name} imports {module}" for name, tree in trees.items()
                       for module in _imported_modules(tree, "kada_dagster_tests") if _is_test_module(module))
    assert offenders == []
    helpers = sorted(p.name for p in TESTS.glob("*_helpers.py"))
    assert len(helpers) >= 6, helpers


def _asserts(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """An ``assert``, ``pytest.raises``/``pytest.fail``, or a call of a helper named ``assert_*``."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name.startswith("assert_") or name in ("raises", "fail"):
                return True
    return False


def test_every_test_asserts_something() -> None:
    tests = [(path.name, node) for path in sorted(TESTS.glob("test_*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")]
    assert len(tests) > 200  # the scan sees the suite
    assert [f"{name}::{node.name}" for name, node in tests if not _asserts(node)] == []
