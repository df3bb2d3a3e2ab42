"""Categorical columns given to an estimator: pandas categories -> integer codes.

A DataFrame column of ``category`` dtype (what
:class:`~kerasopt.preprocessing.CategoricalEncoder` produces for columns with
many levels, or what a user makes with ``astype("category")``) reaches the
network as integer codes looked up in a learned embedding, the way
``HistGradientBoosting*(categorical_features="from_dtype")`` reads such
columns. Code 0 stands for a missing value or a category not seen in
training; the levels seen in training get codes ``1 .. n``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._mlp import FeatureLayout

__all__ = ["category_codes", "feature_layout"]


def _category_columns(X: Any) -> list[Any]:
    if not isinstance(X, pd.DataFrame):
        return []
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]


def category_codes(
    X: Any, categories: dict[str, list[Any]] | None
) -> tuple[Any, dict[str, list[Any]]]:
    """Replace category columns of ``X`` by their codes (0: missing or unseen).

    Parameters
    ----------
    X : DataFrame or array-like
        Input of ``fit`` or ``predict``; only a DataFrame can hold categories.
    categories : dict or None
        None at fit time (the levels are read from ``X``); at predict time the
        levels learned in fit, by column name, which fix the codes whatever
        the categories of the new data's dtype.

    Returns
    -------
    X : DataFrame or array-like
        ``X`` with each coded column as float codes (unchanged if none).
    categories : dict
        Column name -> list of levels (code ``i + 1`` is level ``i``).
    """
    if categories is None:
        columns = _category_columns(X)
        categories = {str(c): list(X[c].cat.categories) for c in columns}
        if not columns:
            return X, categories
    elif not categories:
        return X, categories
    elif not isinstance(X, pd.DataFrame):
        raise DataError(
            f"The model was fitted on a DataFrame with categorical columns "
            f"{sorted(categories)}; predict needs a DataFrame with those columns, "
            f"but got {type(X).__name__}."
        )
    names = {str(c): c for c in X.columns}
    missing = [c for c in categories if c not in names]
    if missing:
        raise DataError(
            f"X lacks the categorical column(s) {missing} seen in fit. Pass the "
            "same columns as in fit."
        )
    coded = {
        names[c]: pd.Categorical(X[names[c]], categories=levels).codes.astype(np.float64)
        + 1.0
        for c, levels in categories.items()
    }
    return X.assign(**coded), categories


def feature_layout(
    X: np.ndarray,
    columns: list[Any] | None,
    categories: dict[str, list[Any]],
    embed_numeric: bool,
) -> FeatureLayout | None:
    """Roles of the columns of validated 2-D training data ``X``.

    Coded categorical columns are looked up in an embedding; with
    ``embed_numeric``, numeric columns with more than two distinct values get
    the numeric embedding and binary ones (one-hot columns, flags) stay plain.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data after :func:`category_codes`.
    columns : list or None
        Column names of ``X`` (None for an array).
    categories : dict
        From :func:`category_codes`.
    embed_numeric : bool
        Whether the network embeds numeric columns.

    Returns
    -------
    FeatureLayout or None
        None when every column is used as it is (no codes, no embedding).
    """
    if X.ndim != 2 or not (categories or embed_numeric):
        return None
    names = [str(c) for c in columns] if columns is not None else []
    codes = [names.index(c) for c in categories]
    others = [i for i in range(X.shape[1]) if i not in codes]
    embedded = []
    if embed_numeric:
        embedded = [i for i in others if len(np.unique(X[:, i])) > 2]
    plain = [i for i in others if i not in embedded]
    return FeatureLayout(
        embedded, plain, codes, [len(levels) + 1 for levels in categories.values()]
    )

