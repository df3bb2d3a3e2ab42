"""Column handling for real tables: categoricals, missing values, scaling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from ._categories import CategoryCaster
from ._columns import ColumnSelector
from ._embedding import CategoricalEncoder
from ._numeric import NumericCaster
from ._preprocessor import TabularPreprocessor

__all__ = [
    "SCALERS",
    "make_tabular_pipeline",
    "make_tabular_preprocessor",
]

SCALERS: tuple[str, ...] = ("standard", "minmax", "keras", "none")


#: ``embed_categories="auto"`` of make_tabular_pipeline: columns with at least
#: this many levels get a learned embedding in a kerasopt estimator.
EMBED_MIN_CATEGORIES = 10


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


def _categorical_pipeline(
    max_categories: int | None, embed_categories: int | None
) -> Pipeline:
    encoder: Any = OneHotEncoder(
        handle_unknown="infrequent_if_exist" if max_categories else "ignore",
        max_categories=max_categories, sparse_output=False,
    )  # fmt: skip
    if embed_categories is not None:
        encoder = CategoricalEncoder(
            embed_min_categories=embed_categories, max_categories=max_categories
        )
    return Pipeline([
        ("as_text", CategoryCaster()),
        ("impute", SimpleImputer(
            strategy="constant", fill_value="missing", keep_empty_features=True
        )),
        ("onehot" if embed_categories is None else "encode", encoder),
    ])  # fmt: skip


def make_tabular_preprocessor(
    *,
    categorical: Sequence[Any] | None = None,
    numeric: Sequence[Any] | None = None,
    scaler: str = "standard",
    max_categories: int | None = None,
    drop: Sequence[Any] = (),
    auto_drop: bool = True,
    embed_categories: int | None = None,
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

    Columns that cannot be learned from as they are, IDs (text with nearly
    every value distinct), dates and durations (as such or stored as text) and
    a saved pandas index (``Unnamed: 0``), are dropped with one
    :class:`~kerasopt.exceptions.DroppedColumnsWarning` naming them (see
    :func:`~kerasopt.preprocessing.drop_reason`).

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
    drop : sequence of column names or positions, default=()
        Columns to leave out.
    auto_drop : bool, default=True
        Drop IDs, dates and index columns as described above. Columns named in
        ``categorical`` or ``numeric`` are always kept.
    embed_categories : int, optional
        Categorical columns with at least this many levels are not one-hot
        encoded but passed on as pandas ``category`` columns
        (:class:`~kerasopt.preprocessing.CategoricalEncoder`), which kerasopt's
        estimators look up in a learned embedding; the output is then a
        DataFrame when some column is embedded (else an array, as usual).
        None (the default here) one-hot encodes every column.

    Returns
    -------
    TabularPreprocessor
        A :class:`sklearn.compose.ColumnTransformer` with the transformers
        ``"dropped"``, ``"categorical"`` and ``"numeric"``, whose errors name
        the column at fault.
    """
    if scaler not in SCALERS:
        raise ValueError(
            f"Unknown scaler. Received: scaler={scaler!r}. Use one of "
            f"{', '.join(SCALERS)}."
        )
    if embed_categories is not None and (
        isinstance(embed_categories, bool)
        or not isinstance(embed_categories, (int, np.integer))
        or embed_categories < 2
    ):
        raise ValueError(
            "embed_categories must be an integer >= 2 (columns with at least that "
            'many levels are embedded), None (one-hot encode all), or "auto" in '
            f"make_tabular_pipeline. Received: embed_categories={embed_categories!r}."
        )
    kinds = {"categorical": categorical, "numeric": numeric, "drop": drop,
             "auto_drop": auto_drop}  # fmt: skip
    return TabularPreprocessor(
        [
            ("dropped", "drop", ColumnSelector("dropped", **kinds)),
            (
                "categorical",
                _categorical_pipeline(max_categories, embed_categories),
                ColumnSelector("categorical", **kinds),
            ),
            ("numeric", _numeric_pipeline(scaler), ColumnSelector("numeric", **kinds)),
        ],  # fmt: skip
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
    drop: Sequence[Any] = (),
    auto_drop: bool = True,
    embed_categories: int | str | None = "auto",
) -> Pipeline:
    """Put :func:`make_tabular_preprocessor` in front of an estimator.

    Parameters
    ----------
    estimator : estimator
        Usually a :class:`~kerasopt.KerasClassifier` or
        :class:`~kerasopt.KerasRegressor`; any sklearn estimator works.
    categorical, numeric, scaler, max_categories, drop, auto_drop
        See :func:`make_tabular_preprocessor`. ``scaler="keras"`` returns a
        copy of the estimator with ``normalize=True``, which adapts a Keras
        ``Normalization`` layer inside the model.
    embed_categories : int, "auto" or None, default="auto"
        See :func:`make_tabular_preprocessor`. ``"auto"``: 10 for an estimator
        that embeds categorical columns (kerasopt's, which have a
        ``categorical_embedding_dim`` parameter), None (one-hot) for others.

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
    if embed_categories == "auto":
        embeds = "categorical_embedding_dim" in estimator.get_params(deep=False)
        embed_categories = EMBED_MIN_CATEGORIES if embeds else None
    preprocessor = make_tabular_preprocessor(
        categorical=categorical, numeric=numeric, scaler=scaler,
        max_categories=max_categories, drop=drop, auto_drop=auto_drop,
        embed_categories=embed_categories,
    )  # fmt: skip
    return Pipeline(
        [("preprocessor", preprocessor), (type(estimator).__name__.lower(), estimator)]
    )
