"""kerasopt: Keras models as scikit-learn estimators on real tables, tuned with Optuna.

The public names are imported lazily, so ``import kerasopt`` (and the CLI's
``--help``) imports no Keras backend until an estimator is used. Importing
kerasopt makes JAX Keras' backend unless the user chose one (``KERAS_BACKEND``).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from ._backend import choose_backend

choose_backend()  # JAX unless the user chose a backend; see kerasopt._backend

try:
    __version__ = version("kerasopt")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from .estimators import KerasClassifier, KerasRegressor
    from .persistence import load, save
    from .preprocessing import make_tabular_pipeline, make_tabular_preprocessor
    from .search import OptunaSearchCV

__all__ = [
    "KerasClassifier",
    "KerasRegressor",
    "OptunaSearchCV",
    "load",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
    "save",
]

_LOCATIONS = {
    "KerasClassifier": "estimators",
    "KerasRegressor": "estimators",
    "OptunaSearchCV": "search",
    "make_tabular_pipeline": "preprocessing",
    "make_tabular_preprocessor": "preprocessing",
    "load": "persistence",
    "save": "persistence",
}


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        return getattr(importlib.import_module(f".{_LOCATIONS[name]}", __name__), name)
    raise AttributeError(f"module 'kerasopt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
