"""Keras models as scikit-learn estimators."""

from ._base import BaseKerasEstimator
from ._classifier import KerasClassifier
from ._load import load
from ._loaded_search import LoadedSearch
from ._model_file import ModelFileVersionWarning, read_metadata
from ._regressor import KerasRegressor
from ._save import save

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
