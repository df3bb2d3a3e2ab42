"""Tabular preprocessing: plain scikit-learn objects, no Keras."""

from ._categories import CategoryCaster
from ._columns import ColumnSelector, categorical_columns, drop_reason
from ._embedding import CategoricalEncoder
from ._numeric import NumericCaster
from ._preprocessor import TabularPreprocessor, check_target
from ._sparse import DENSE_LIMIT_BYTES, densify
from ._tabular import SCALERS, make_tabular_pipeline, make_tabular_preprocessor

#: Import paths of the kerasopt types a fitted preprocessor is made of: what a
#: model file may hold besides numpy and scikit-learn (kerasopt.load trusts them).
PREPROCESSING_TYPES: tuple[str, ...] = tuple(
    f"{kind.__module__}.{kind.__qualname__}"
    for kind in (
        CategoricalEncoder,
        CategoryCaster,
        ColumnSelector,
        NumericCaster,
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
    "SCALERS",
    "TabularPreprocessor",
    "categorical_columns",
    "check_target",
    "densify",
    "drop_reason",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]
