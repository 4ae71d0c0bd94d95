"""The parts import one another in one direction only, and no import circle exists."""

from __future__ import annotations

import ast
from pathlib import Path

import pictallion_sql

PACKAGE = Path(pictallion_sql.__file__).parent

# Old public paths kept for users (thin re-exports of administration modules), and the
# ``python -m pictallion_sql`` entry point, which is the command.
PUBLIC_ADMIN_PATHS = {
    "pictallion_sql.migrations",
    "pictallion_sql.db_utils",
    "pictallion_sql.__main__",
}
# ``from pictallion_sql.database import db_manager`` (the old port's path) resolves through a
# module ``__getattr__``, on first use only.
LAZY_COMPAT = {
    ("pictallion_sql.database", "pictallion_sql.admin"),
    ("pictallion_sql.database", "pictallion_sql.admin.manager"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.AST, module: str, is_package: bool, *, deferred: bool) -> set[str]:
    """What ``module`` imports; with ``deferred``, imports inside functions count too."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if not deferred and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph(*, deferred: bool = True) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = _imports(tree, name, path.name == "__init__.py", deferred=deferred)
        graph[name] = {
            t
            for t in targets
            if t in files
            and t != name
            and not name.startswith(f"{t}.")  # a package's own parent
            and not t.startswith(f"{name}.")  # a package importing its own submodules
        }
    return graph


def test_no_import_circle() -> None:
    # An import inside a function runs at call time, when every module is loaded: only
    # the imports that run while a module loads can form a circle.
    graph = _graph(deferred=False)
    for edge in LAZY_COMPAT:
        graph[edge[0]].discard(edge[1])
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                circle = [*path[path.index(target) :], target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                walk(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)


def test_only_administration_imports_administration() -> None:
    graph = _graph()
    offenders = sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if target.startswith("pictallion_sql.admin")
        and not source.startswith("pictallion_sql.admin")
        and source not in PUBLIC_ADMIN_PATHS
        and (source, target) not in LAZY_COMPAT
    )
    assert offenders == []


def test_the_query_core_and_the_records_import_no_driver() -> None:
    graph = _graph()
    offenders = sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if source.startswith(("pictallion_sql.query", "pictallion_sql.records"))
        and target.startswith(("pictallion_sql.drivers", "asyncpg", "aiosqlite"))
    )
    assert offenders == []
