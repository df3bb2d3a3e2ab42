"""Tuning with Optuna: OptunaSearchCV, search spaces, pruning and storages.

The estimators never import Optuna; this package does. Names are imported when
first used, so the storage helpers (``kerasopt studies``) do not import
scikit-learn, and Keras is imported only when a Keras estimator is tuned (or
``KerasPruningCallback`` is used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ensemble import refit_best, refit_ensemble
    from ._pruning import KerasPruningCallback
    from ._search import OptunaSearchCV
    from ._spaces import (
        Fixed,
        LayerSizes,
        SearchSpace,
        Toggle,
        default_search_space,
        load_search_space,
    )
    from ._storages import journal_storage, mask_password, resolve_storage
    from ._study import make_pruner, make_sampler

#: Where each public name lives.
_LOCATIONS = {
    "Fixed": "_spaces",
    "KerasPruningCallback": "_pruning",
    "LayerSizes": "_spaces",
    "OptunaSearchCV": "_search",
    "SearchSpace": "_spaces",
    "Toggle": "_spaces",
    "default_search_space": "_spaces",
    "journal_storage": "_storages",
    "load_search_space": "_spaces",
    "make_pruner": "_study",
    "make_sampler": "_study",
    "mask_password": "_storages",
    "refit_best": "_ensemble",
    "refit_ensemble": "_ensemble",
    "resolve_storage": "_storages",
}

__all__ = [
    "Fixed",
    "KerasPruningCallback",
    "LayerSizes",
    "OptunaSearchCV",
    "SearchSpace",
    "Toggle",
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
    if name in _LOCATIONS:
        return getattr(importlib.import_module(f".{_LOCATIONS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
