"""Tabular preprocessing: plain scikit-learn objects, no Keras."""

from ._columns import ColumnSelector, categorical_columns, check_target, drop_reason
from ._encoders import CategoricalEncoder, CategoryCaster, NumericCaster
from ._tabular import (
    DENSE_LIMIT_BYTES,
    SCALERS,
    QuantileScaler,
    TabularPreprocessor,
    densify,
    make_tabular_pipeline,
    make_tabular_preprocessor,
)

#: Import paths of the kerasopt types a fitted preprocessor is made of: what a
#: model file may hold besides numpy and scikit-learn (kerasopt.load trusts them).
PREPROCESSING_TYPES: tuple[str, ...] = tuple(
    f"{kind.__module__}.{kind.__qualname__}"
    for kind in (
        CategoricalEncoder,
        CategoryCaster,
        ColumnSelector,
        NumericCaster,
        QuantileScaler,
        TabularPreprocessor,
        categorical_columns,
        densify,
    )  # fmt: skip
)

__all__ = [
    "PREPROCESSING_TYPES",
    "DENSE_LIMIT_BYTES",
    "CategoricalEncoder",
    "CategoryCaster",
    "ColumnSelector",
    "NumericCaster",
    "QuantileScaler",
    "SCALERS",
    "TabularPreprocessor",
    "categorical_columns",
    "check_target",
    "densify",
    "drop_reason",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]
