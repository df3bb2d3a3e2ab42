"""`pip install "kerasopt[cli]"` is enough for every CLI command.

Every third-party module that the CLI imports, directly or through the
kerasopt modules it imports (function-level imports included), must come from
a distribution that kerasopt's dependencies or its ``cli`` extra name.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from test_layering import MODULES, imports_of

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: Imported only when the user chose it (KERAS_BACKEND=tensorflow: the
#: `tensorflow` extra) or as an optional speed-up guarded by ImportError.
OPTIONAL = {"tensorflow"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _declared(extra: str) -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return {_name(r) for r in project["dependencies"]} | {
        _name(r) for r in project["optional-dependencies"][extra]
    }


def _reached_from(root: str) -> set[str]:
    """kerasopt modules ``root`` imports, transitively (itself included)."""
    seen: set[str] = set()
    todo = [m for m in MODULES if m == root or m.startswith(root + ".")]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in imports_of(module):
            while name and name not in MODULES and name.startswith("kerasopt"):
                name = name.rpartition(".")[0]  # `kerasopt.x.y` names an object
            if name in MODULES:
                todo.append(name)
    return seen


def third_party(root: str) -> set[str]:
    """Top-level third-party modules imported by what ``root`` reaches."""
    names = {
        name.split(".")[0]
        for module in _reached_from(root)
        for name in imports_of(module)
    }
    return {
        n for n in names
        if n != "kerasopt" and n not in sys.stdlib_module_names and n != "__future__"
    }  # fmt: skip


def test_the_cli_reaches_the_library_and_its_report() -> None:
    reached = _reached_from("kerasopt.cli")
    assert {"kerasopt.search._storages", "kerasopt.reporting"} <= reached
    assert {"typer", "rich", "plotly", "optuna"} <= third_party("kerasopt.cli")


def test_cli_extra_lists_every_module_the_cli_imports() -> None:
    declared = _declared("cli")
    distributions = packages_distributions()
    missing = {}
    for module in sorted(third_party("kerasopt.cli") - OPTIONAL):
        if module == "tomli":  # a fallback for Python < 3.11, which is not supported
            continue
        providers = {_name(d) for d in distributions.get(module, [module])}
        if not providers & declared:
            missing[module] = sorted(providers)
    assert not missing, (
        f"add to pyproject's dependencies or cli extra: {missing}"
    )


@pytest.mark.parametrize("module", sorted(OPTIONAL))
def test_optional_modules_are_in_an_extra(module: str) -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    extras = {_name(r) for rs in project["optional-dependencies"].values() for r in rs}
    assert module in extras
