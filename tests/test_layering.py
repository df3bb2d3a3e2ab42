"""The layers of DESIGN.md, read from the source: no cycles, imports flow down.

Every module of ``src/kerasopt`` is parsed with :mod:`ast`; every ``import``
counts, function-level ones included (they run too, only later), except those
under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "kerasopt"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))
}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def imports_of(module: str) -> set[str]:
    """Every module name ``module`` imports (kerasopt's and third-party)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            origin = ".".join(base + ([node.module] if node.module else []))
        else:
            origin = node.module or ""
        # `from . import _render` imports a module; `from ._x import f` a name.
        submodules = {f"{origin}.{a.name}" for a in node.names} & MODULES.keys()
        names.update(submodules or {origin})
    return names


def graph() -> dict[str, set[str]]:
    """kerasopt's own import graph: module -> kerasopt modules it imports."""
    return {module: imports_of(module) & MODULES.keys() for module in MODULES}


def test_the_walker_sees_function_level_and_relative_imports() -> None:
    # The walker itself must be able to fail: these edges are known to exist.
    edges = graph()
    assert "kerasopt.cli._render" in edges["kerasopt.cli._tune"]  # from . import
    assert "kerasopt.search" in edges["kerasopt.cli._tune"]  # inside a function
    assert "kerasopt.exceptions" in edges["kerasopt.search._storages"]  # from ..x
    assert "kerasopt.search._spaces" not in edges["kerasopt"]  # TYPE_CHECKING only


def import_cycle(edges: dict[str, set[str]]) -> str | None:
    """One import cycle of ``edges`` as ``a -> b -> a``, or None."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as error:
        return " -> ".join(error.args[1])
    return None


def test_a_cycle_is_found() -> None:
    # kerasopt's own graph with one edge back up, as a careless import adds it.
    edges = graph()
    edges["kerasopt.exceptions"] = edges["kerasopt.exceptions"] | {
        "kerasopt.search._storages"
    }
    cycle = import_cycle(edges)
    assert cycle is not None
    assert {"kerasopt.exceptions", "kerasopt.search._storages"} <= set(
        cycle.split(" -> ")
    )


def test_no_import_cycles() -> None:
    cycle = import_cycle(graph())
    assert cycle is None, f"import cycle: {cycle}"


@pytest.mark.parametrize("layer", ["estimators", "persistence", "preprocessing"])
def test_lower_layers_do_not_import_optuna(layer: str) -> None:
    offenders = {
        module: sorted(n for n in imports_of(module) if n.split(".")[0] == "optuna")
        for module in MODULES
        if module.startswith(f"kerasopt.{layer}")
    }
    assert not {m: n for m, n in offenders.items() if n}


def test_nothing_imports_the_cli() -> None:
    outside = {
        module: sorted(n for n in names if n.startswith("kerasopt.cli"))
        for module, names in graph().items()
        if not module.startswith("kerasopt.cli") and module != "kerasopt.__main__"
    }
    assert not {m: n for m, n in outside.items() if n}


_PRIVATE_OPTUNA = re.compile(r"\._storage\b|\._trial_id\b|\._study_id\b")


def test_no_private_optuna_attribute() -> None:
    hits = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in MODULES.values()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _PRIVATE_OPTUNA.search(line)
    ]
    assert not hits, "\n".join(hits)
