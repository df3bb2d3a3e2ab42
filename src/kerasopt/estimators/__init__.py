"""Keras models as scikit-learn estimators."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import BaseKerasEstimator
from ._classifier import KerasClassifier
from ._regressor import KerasRegressor

if TYPE_CHECKING:
    from ..persistence import LoadedSearch, ModelFileVersionWarning, load, read_metadata, save

__all__ = [
    "BaseKerasEstimator",
    "KerasClassifier",
    "KerasRegressor",
    "LoadedSearch",
    "ModelFileVersionWarning",
    "load",
    "read_metadata",
    "save",
]

# Saving and loading live in kerasopt.persistence, which imports this package;
# these names stay importable from here (kerasopt 0.2 API) without a cycle.
_PERSISTENCE = ("LoadedSearch", "ModelFileVersionWarning", "load", "read_metadata", "save")


def __getattr__(name: str) -> Any:
    if name in _PERSISTENCE:
        return getattr(importlib.import_module("kerasopt.persistence"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
