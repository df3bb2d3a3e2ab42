"""Tabular preprocessing: plain scikit-learn objects, no Keras."""

from ._tabular import (
    SCALERS,
    categorical_columns,
    make_tabular_pipeline,
    make_tabular_preprocessor,
)

__all__ = [
    "SCALERS",
    "categorical_columns",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]
