"""Tabular preprocessing: plain scikit-learn objects, no Keras."""

from ._categories import CategoryCaster
from ._numeric import NumericCaster
from ._tabular import (
    SCALERS,
    categorical_columns,
    make_tabular_pipeline,
    make_tabular_preprocessor,
)

__all__ = [
    "CategoryCaster",
    "NumericCaster",
    "SCALERS",
    "categorical_columns",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]
