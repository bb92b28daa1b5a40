"""The code's shape, checked: small functions and classes, and no module that imports its importer.

The import guard reads every import a module can run: at module level, inside functions, inside `if`/`try`,
and `importlib.import_module("<literal>")`; only `if TYPE_CHECKING:` blocks are left out (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kada_dagster"
GUARDED = ("kada_dagster", "kada_sim", "benchmarks")
MAX_FUNCTION_LINES, MAX_CLASS_LINES, MAX_MODULE_LINES = 60, 250, 400


def modules_under(root: Path, packages: tuple[str, ...]) -> dict[str, ast.Module]:
    """Dotted module name → its syntax tree, for every .py file of `packages` under `root`."""
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


def _modules() -> dict[str, ast.Module]:
    return modules_under(ROOT, ("kada_dagster",))


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


def test_no_module_over_400_lines() -> None:
    """A module that outgrows one screenful of scrolling has two jobs; split it by role first."""
    too_long = []
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert too_long == []


def _type_checking_only(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, (ast.Name, ast.Attribute)) and ast.unparse(test).endswith("TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node that can run: all of the tree but the bodies of `if TYPE_CHECKING:`."""
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        children = list(ast.iter_child_nodes(node))
        if _type_checking_only(node):
            assert isinstance(node, ast.If)
            children = [node.test, *node.orelse]
        stack.extend(children)
    return out


def imports_of(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The known modules `name` can import: statements anywhere, and `importlib.import_module` of a literal."""
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if name in known and _is_package(name, known) else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            # `from pkg import sub` imports the submodule (its package is its parent, not an importer)
            targets = submodules if len(submodules) == len(node.names) else [*submodules, base]
        elif (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            targets = [node.args[0].value]
        found |= {t for t in targets if t in known and t != name}
    return found


def _is_package(name: str, known: set[str]) -> bool:
    return any(k.startswith(name + ".") for k in known)


def find_cycles(modules: dict[str, ast.Module]) -> list[str]:
    """Every import cycle, as `a -> b -> a` (a package's own submodules do not count as its importers)."""
    graph = {name: imports_of(name, tree, set(modules)) for name, tree in modules.items()}
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
    return cycles


def test_no_module_imports_another_that_imports_it_back() -> None:
    modules = modules_under(ROOT, GUARDED)
    edges = sum(len(imports_of(n, t, set(modules))) for n, t in modules.items())
    assert edges > 100  # the scan sees the packages' imports
    assert find_cycles(modules) == []


def test_the_guard_sees_cycles_through_function_level_and_importlib_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def late():\n    from pkg import a\n    return a\n")
    (pkg / "c.py").write_text("import importlib\nfrom pkg import d\n")
    (pkg / "d.py").write_text("import importlib\n\ntry:\n    M = importlib.import_module('pkg.c')\n"
                              "except ImportError:\n    M = None\n")
    (pkg / "e.py").write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg import f\n")
    (pkg / "f.py").write_text("from pkg import e\n")
    cycles = find_cycles(modules_under(tmp_path, ("pkg",)))
    assert any(c.startswith("pkg.a -> pkg.b") for c in cycles), cycles  # b imports a inside a function
    assert any(c.startswith("pkg.c -> pkg.d") for c in cycles), cycles  # d: importlib, inside try
    assert not any("pkg.e" in c for c in cycles), cycles  # a TYPE_CHECKING import never runs


# --- the harness (kada_sim) and the benchmarks under the same size caps ---------------------------------

HARNESS = ("kada_sim", "benchmarks")
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
                  if (n := len((ROOT / name).read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
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
