"""Keras models as scikit-learn estimators."""

from ._base import BaseKerasEstimator
from ._classifier import KerasClassifier
from ._persistence import (
    LoadedSearch,
    ModelFileVersionWarning,
    load,
    read_metadata,
    save,
)
from ._regressor import KerasRegressor

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
