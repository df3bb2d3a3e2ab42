"""Tabular preprocessing: plain scikit-learn objects, no Keras."""

from ._categories import CategoryCaster
from ._columns import ColumnSelector, categorical_columns, drop_reason
from ._numeric import NumericCaster
from ._preprocessor import TabularPreprocessor
from ._tabular import SCALERS, make_tabular_pipeline, make_tabular_preprocessor

__all__ = [
    "CategoryCaster",
    "ColumnSelector",
    "NumericCaster",
    "SCALERS",
    "TabularPreprocessor",
    "categorical_columns",
    "drop_reason",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]
