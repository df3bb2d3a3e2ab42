"""Tabular preprocessing: plain scikit-learn objects, no Keras."""

from ._categories import CategoryCaster
from ._columns import ColumnSelector, categorical_columns, drop_reason
from ._numeric import NumericCaster
from ._preprocessor import TabularPreprocessor
from ._tabular import SCALERS, make_tabular_pipeline, make_tabular_preprocessor

#: Import paths of the kerasopt types a fitted preprocessor is made of: what a
#: model file may hold besides numpy and scikit-learn (kerasopt.load trusts them).
PREPROCESSING_TYPES: tuple[str, ...] = tuple(
    f"{cls.__module__}.{cls.__qualname__}"
    for cls in (CategoryCaster, ColumnSelector, NumericCaster, TabularPreprocessor)
)

__all__ = [
    "PREPROCESSING_TYPES",
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
