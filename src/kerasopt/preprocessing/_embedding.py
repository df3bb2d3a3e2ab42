"""Categorical columns for a network: one-hot for few levels, codes for many."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_is_fitted

__all__ = ["CategoricalEncoder"]


class CategoricalEncoder(TransformerMixin, BaseEstimator):
    """One-hot encode columns with few levels; pass the others on as categories.

    A column with at least ``embed_min_categories`` distinct values in training
    comes out as a pandas ``category`` column whose categories are those
    values; a value not seen in training becomes missing (NaN) there.
    :class:`~kerasopt.KerasClassifier` and :class:`~kerasopt.KerasRegressor`
    read such columns as integer codes into a learned embedding (code 0 for
    unseen or missing values); scikit-learn's ``HistGradientBoosting*`` with
    ``categorical_features="from_dtype"`` reads them natively. Every other
    column is one-hot encoded (unseen values give all zeros).

    The output is a DataFrame: one-hot columns first, then the category
    columns. :class:`~kerasopt.preprocessing.TabularPreprocessor` (what
    :func:`~kerasopt.make_tabular_preprocessor` returns) keeps the category
    columns when it joins its transformers' outputs; in a plain
    ``ColumnTransformer``, call ``.set_output(transform="pandas")``.

    Parameters
    ----------
    embed_min_categories : int or None, default=10
        Columns with at least this many levels are kept as categories; None
        one-hot encodes every column.
    max_categories : int, optional
        ``max_categories`` of the one-hot encoder (rarer levels are grouped).

    Attributes
    ----------
    embedded_ : list of int
        Positions of the columns kept as categories.
    categories_ : list of list
        Their levels, as seen in training.
    onehot_ : OneHotEncoder or None
        The encoder of the other columns.
    n_features_in_ : int
        Number of input columns.
    """

    def __init__(
        self, *, embed_min_categories: int | None = 10, max_categories: int | None = None
    ) -> None:
        self.embed_min_categories = embed_min_categories
        self.max_categories = max_categories

    def fit(self, X: Any, y: Any = None) -> CategoricalEncoder:
        """Learn the levels of every column and which ones are embedded.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Categorical values (text; missing values already replaced).
        y : ignored

        Returns
        -------
        self
        """
        threshold = self.embed_min_categories
        if threshold is not None and (
            not isinstance(threshold, (int, np.integer)) or threshold < 2
        ):
            raise ValueError(
                "embed_min_categories must be an integer >= 2 or None. Received: "
                f"embed_min_categories={threshold!r}."
            )
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        values = _values(X)
        self.n_features_in_ = values.shape[1]
        levels = [pd.unique(pd.Series(values[:, i]).dropna()) for i in range(values.shape[1])]
        self.embedded_ = [
            i for i, found in enumerate(levels)
            if threshold is not None and len(found) >= threshold
        ]  # fmt: skip
        self.categories_ = [sorted(levels[i], key=str) for i in self.embedded_]
        self._onehot_columns = [i for i in range(len(levels)) if i not in self.embedded_]
        self.onehot_ = None
        if self._onehot_columns:
            self.onehot_ = OneHotEncoder(
                handle_unknown="infrequent_if_exist" if self.max_categories else "ignore",
                max_categories=self.max_categories, sparse_output=False,
            ).fit(values[:, self._onehot_columns])  # fmt: skip
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        """Encode ``X``: one-hot columns first, then the category columns.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self, "embedded_")
        values = _values(X)
        if values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {values.shape[1]} categorical columns, but CategoricalEncoder "
                f"was fitted with {self.n_features_in_}."
            )
        names = list(self.get_feature_names_out())
        parts: dict[str, Any] = {}
        if self.onehot_ is not None:
            encoded = self.onehot_.transform(values[:, self._onehot_columns])
            parts.update(zip(names, encoded.T))
        for name, i, levels in zip(
            names[len(parts):], self.embedded_, self.categories_
        ):
            parts[name] = pd.Categorical(values[:, i], categories=levels)
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(parts, index=index, columns=names)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: one-hot names, then embedded columns."""
        check_is_fitted(self, "embedded_")
        if input_features is None:
            input_features = getattr(
                self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)]
            )
        inputs = np.asarray(input_features, dtype=object)
        names = []
        if self.onehot_ is not None:
            names = list(self.onehot_.get_feature_names_out(inputs[self._onehot_columns]))
        return np.asarray(names + [inputs[i] for i in self.embedded_], dtype=object)


def _values(X: Any) -> np.ndarray:
    values = np.asarray(X, dtype=object)
    if values.ndim != 2:
        raise ValueError(f"CategoricalEncoder needs 2-D data, got shape {values.shape}.")
    return values
