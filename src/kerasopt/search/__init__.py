"""Tuning with Optuna: OptunaSearchCV, search spaces, pruning and storages.

The estimators never import Optuna; this package does. Keras is imported only when a
Keras estimator is tuned (or ``KerasPruningCallback`` is used), so storage and
space helpers stay cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._ensemble import refit_best, refit_ensemble
from ._search import OptunaSearchCV
from ._spaces import (
    Fixed,
    LayerSizes,
    SearchSpace,
    default_search_space,
    load_search_space,
)
from ._storages import journal_storage, mask_password, resolve_storage
from ._study import make_pruner, make_sampler

if TYPE_CHECKING:
    from ._pruning import KerasPruningCallback

__all__ = [
    "Fixed",
    "KerasPruningCallback",
    "LayerSizes",
    "OptunaSearchCV",
    "SearchSpace",
    "default_search_space",
    "journal_storage",
    "load_search_space",
    "make_pruner",
    "make_sampler",
    "mask_password",
    "refit_best",
    "refit_ensemble",
    "resolve_storage",
]


def __getattr__(name: str) -> Any:
    if name == "KerasPruningCallback":
        from ._pruning import KerasPruningCallback

        return KerasPruningCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
