"""Column handling for real tables: categoricals, missing values, scaling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from ..exceptions import DataError
from ._categories import CategoryCaster
from ._numeric import NumericCaster

__all__ = [
    "SCALERS",
    "categorical_columns",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]

SCALERS: tuple[str, ...] = ("standard", "minmax", "keras", "none")


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)


def _frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise DataError(
            f"A tabular preprocessor needs 2-D data, but got an array of shape "
            f"{array.shape}."
        )
    frame = pd.DataFrame(array)
    if array.dtype.kind == "O":  # numbers stored as objects stay numbers
        frame = frame.apply(_maybe_numeric)
    return frame


def _maybe_numeric(column: pd.Series) -> pd.Series:
    converted = pd.to_numeric(column, errors="coerce")
    return converted if converted.notna().sum() == column.notna().sum() else column


def categorical_columns(X: Any) -> list[Any]:
    """Columns one-hot encoded by default: object, string, category and bool.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        For arrays, the positions of the columns that are not numbers.

    Returns
    -------
    list
        Column names (DataFrame) or positions (array).
    """
    frame = _frame(X)
    dates = [c for c in frame if pd.api.types.is_datetime64_any_dtype(frame[c].dtype)]
    if dates:
        raise DataError(
            f"Date/time columns are not supported as such: {dates}. Convert them "
            "to numbers (e.g. year, day of week, timestamp) or drop them."
        )
    columns = [c for c in frame if _is_categorical(frame[c])]
    return columns if isinstance(X, pd.DataFrame) else [frame.columns.get_loc(c) for c in columns]


def _numeric_pipeline(scaler: str) -> Pipeline:
    steps: list[tuple[str, Any]] = [
        ("as_numbers", NumericCaster()),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
    ]
    if scaler == "standard":
        steps.append(("scale", StandardScaler()))
    elif scaler == "minmax":
        steps.append(("scale", MinMaxScaler()))
    return Pipeline(steps)


def make_tabular_preprocessor(
    *,
    categorical: Sequence[Any] | None = None,
    numeric: Sequence[Any] | None = None,
    scaler: str = "standard",
    max_categories: int | None = None,
) -> ColumnTransformer:
    """Build the sklearn transformer that turns a raw table into finite numbers.

    Categorical columns are cast to text, missing values become the category
    ``"missing"``, then ``OneHotEncoder(handle_unknown="ignore")``: unseen
    categories at predict time give all-zero columns. Each categorical
    column's categories are remembered at fit, and a value read with another
    dtype at predict time takes the category it equals (``11.0`` becomes
    ``'11'``; see :class:`~kerasopt.preprocessing.CategoryCaster`). Numeric
    columns are cast to floats (text in them is an error naming the column),
    then get median imputation and the chosen scaler.

    Parameters
    ----------
    categorical : sequence of column names or positions, optional
        Columns to one-hot encode. Default: object, string, category and bool
        columns.
    numeric : sequence of column names or positions, optional
        Columns to impute and scale. Default: every other column.
    scaler : {"standard", "minmax", "keras", "none"}, default="standard"
        Scaling of the numeric columns. ``"keras"`` and ``"none"`` only impute;
        with ``"keras"`` the estimator normalizes inside the model.
    max_categories : int, optional
        Keep at most this many categories per column (rarer ones are grouped).

    Returns
    -------
    sklearn.compose.ColumnTransformer
    """
    if scaler not in SCALERS:
        raise ValueError(
            f"Unknown scaler. Received: scaler={scaler!r}. Use one of "
            f"{', '.join(SCALERS)}."
        )
    categorical_pipeline = Pipeline([
        ("as_text", CategoryCaster()),
        ("impute", SimpleImputer(
            strategy="constant", fill_value="missing", keep_empty_features=True
        )),
        ("onehot", OneHotEncoder(
            handle_unknown="infrequent_if_exist" if max_categories else "ignore",
            max_categories=max_categories, sparse_output=False,
        )),
    ])  # fmt: skip
    transformers = [
        ("categorical", categorical_pipeline,
         categorical_columns if categorical is None else list(categorical)),
    ]  # fmt: skip
    if numeric is not None:
        transformers.append(("numeric", _numeric_pipeline(scaler), list(numeric)))
    return ColumnTransformer(
        transformers,
        # Without an explicit list, every column that is not categorical is numeric.
        remainder="drop" if numeric is not None else _numeric_pipeline(scaler),
        sparse_threshold=0.0,
        verbose_feature_names_out=False,
    )


def make_tabular_pipeline(
    estimator: BaseEstimator,
    *,
    categorical: Sequence[Any] | None = None,
    numeric: Sequence[Any] | None = None,
    scaler: str = "standard",
    max_categories: int | None = None,
) -> Pipeline:
    """Put :func:`make_tabular_preprocessor` in front of an estimator.

    Parameters
    ----------
    estimator : estimator
        Usually a :class:`~kerasopt.KerasClassifier` or
        :class:`~kerasopt.KerasRegressor`; any sklearn estimator works.
    categorical, numeric, scaler, max_categories
        See :func:`make_tabular_preprocessor`. ``scaler="keras"`` returns a
        copy of the estimator with ``normalize=True``, which adapts a Keras
        ``Normalization`` layer inside the model.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"preprocessor"`` and the estimator's lower-cased class name
        (``"kerasclassifier"``), so grids use ``kerasclassifier__epochs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kerasopt import KerasClassifier, make_tabular_pipeline
    >>> df = pd.DataFrame({"color": ["red", "blue", None, "red"] * 5,
    ...                    "size": [1.0, None, 3.0, 4.0] * 5})
    >>> y = ["a", "b", "a", "b"] * 5
    >>> pipe = make_tabular_pipeline(KerasClassifier(epochs=1, random_state=0))
    >>> pipe.fit(df, y).predict(df.head(2)).shape
    (2,)
    """
    if scaler == "keras":
        if "normalize" not in estimator.get_params(deep=False):
            raise ValueError(
                f'scaler="keras" needs a kerasopt estimator (with a normalize '
                f"parameter), but got {type(estimator).__name__}. Use "
                'scaler="standard" for other estimators.'
            )
        estimator = clone(estimator).set_params(normalize=True)
    preprocessor = make_tabular_preprocessor(
        categorical=categorical, numeric=numeric, scaler=scaler,
        max_categories=max_categories,
    )  # fmt: skip
    return Pipeline(
        [("preprocessor", preprocessor), (type(estimator).__name__.lower(), estimator)]
    )
