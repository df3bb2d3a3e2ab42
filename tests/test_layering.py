"""The layers of DESIGN.md, read from the source: no cycles, imports flow down.

Every module of ``src/kerasopt`` is parsed with :mod:`ast`; every ``import``
counts: function-level ones (they run too, only later) and those under
``if TYPE_CHECKING:`` (a circle of type-only imports still ties two modules
into one idea). The one exception: a package's ``__init__`` types its lazy
re-exports (``kerasopt.OptunaSearchCV``) under ``TYPE_CHECKING``; that
facade imports nothing until a user asks for the name.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "kerasopt"


def _module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Module name -> file, for every module of ``package``."""
    return {_module_name(p, package.parent): p for p in sorted(package.rglob("*.py"))}


MODULES = modules()


def _is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, known: dict[str, Path] = MODULES) -> set[str]:
    """Every module name ``module`` imports (kerasopt's and third-party)."""
    path = known[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.name == "__init__.py":
        tree.body = [node for node in tree.body if not _is_type_checking(node)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            origin = ".".join(base + ([node.module] if node.module else []))
        else:
            origin = node.module or ""
        # `from . import _render` imports a module; `from ._x import f` a name.
        submodules = {f"{origin}.{a.name}" for a in node.names} & known.keys()
        names.update(submodules or {origin})
    return names


def graph(known: dict[str, Path] = MODULES) -> dict[str, set[str]]:
    """The import graph: module -> modules of ``known`` it imports."""
    return {module: imports_of(module, known) & known.keys() for module in known}


def import_cycle(edges: dict[str, set[str]]) -> str | None:
    """One import cycle of ``edges`` as ``a -> b -> a``, or None."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as error:
        return " -> ".join(error.args[1])
    return None


def test_the_walker_sees_function_level_relative_and_type_only_imports() -> None:
    # The walker itself must be able to fail: these edges are known to exist.
    edges = graph()
    assert "kerasopt.cli._render" in edges["kerasopt.cli._tune"]  # from . import
    assert "kerasopt.search" in edges["kerasopt.cli._tune"]  # inside a function
    assert "kerasopt.exceptions" in edges["kerasopt.search._storages"]  # from ..x
    assert "optuna" in imports_of("kerasopt.search._pruning")  # TYPE_CHECKING
    assert "kerasopt.search" not in edges["kerasopt"]  # a lazy re-export


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


def test_a_type_only_cycle_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import B\nclass A: ...\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from .a import A\nclass B: ...\n"
    )
    cycle = import_cycle(graph(modules(package)))
    assert cycle is not None and set(cycle.split(" -> ")) == {"pkg.a", "pkg.b"}


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
