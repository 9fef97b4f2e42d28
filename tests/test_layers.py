"""
The project's packages form layers: each imports only the ones below it.

Every module is parsed, not imported, and every import counts wherever it
sits (at the top, inside a function, under ``TYPE_CHECKING``): a lazy import
is still a dependency. So does a relation to another app's model named by its
label (``ForeignKey("schemas.Schema", ...)``). Migrations are part of their
app's history and are left out; ``fauxsite``, at the top, wires everything
and may import all.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Package -> the packages it may import, bottom first. README.md's "Architecture" draws it.
LAYERS: dict[str, set[str]] = {
    "core": set(),
    "datasources": {"core"},
    "schemas": {"core", "datasources"},
    "access": {"core", "datasources", "schemas"},
    "golive": {"core", "datasources", "schemas", "access"},
    "api": {"core", "datasources", "schemas", "access"},
    "fauxsite": {"core", "datasources", "schemas", "access", "golive", "api"},
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing package
    target: str  # the imported package
    where: str  # file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            yield path


RELATIONS = ("ForeignKey", "OneToOneField", "ManyToManyField")


def _imported_names(node: ast.AST, path: Path) -> list[str]:
    if isinstance(node, ast.Call) and _called_name(node) in RELATIONS and node.args:
        target = node.args[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str) and "." in target.value:
            return [target.value]
        return []
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level == 0:
            return [node.module or ""]
        # A relative import stays inside the package it is written in.
        return [path.relative_to(ROOT).parts[0]]
    return []


def _called_name(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def project_imports() -> list[Import]:
    imports = []
    for package in LAYERS:
        for path in _modules(package):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                for name in _imported_names(node, path):
                    target = name.split(".")[0]
                    if target in LAYERS and target != package:
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        imports.append(Import(package, target, where))
    return imports


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of packages, first to last and back, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(package: str) -> list[str] | None:
        if package in visiting:
            return [*visiting[visiting.index(package):], package]
        if package in done:
            return None
        visiting.append(package)
        for target in sorted(edges.get(package, ())):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(package)
        return None

    for package in sorted(edges):
        found = visit(package)
        if found:
            return found
    return None


def test_every_package_declared_is_there():
    missing = [package for package in LAYERS if not (ROOT / package / "__init__.py").exists()]
    assert not missing, f"LAYERS names packages that do not exist: {missing}"


def test_the_declared_layers_have_no_cycle():
    assert _cycle(LAYERS) is None


def test_no_package_imports_one_above_it():
    upward = [str(found) for found in project_imports() if found.target not in LAYERS[found.source]]
    assert not upward, (
        "These imports point up or sideways (see LAYERS in this test, and README.md's architecture):\n"
        + "\n".join(upward)
    )


def test_the_packages_import_each_other_without_a_cycle():
    imports = project_imports()
    edges: dict[str, set[str]] = {}
    for found in imports:
        edges.setdefault(found.source, set()).add(found.target)
    cycle = _cycle(edges)
    if cycle:
        hops = list(pairwise(cycle))
        witnesses = [str(next(i for i in imports if (i.source, i.target) == hop)) for hop in hops]
        raise AssertionError("Import cycle " + " -> ".join(cycle) + ":\n" + "\n".join(witnesses))
