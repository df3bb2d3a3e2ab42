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

    The output is a DataFrame, so a ``ColumnTransformer`` holding this encoder
    needs ``.set_output(transform="pandas")`` (as
    :func:`~kerasopt.make_tabular_preprocessor` does).

    Parameters
    ----------
    embed_min_categories : int or None, default=10
        Columns with at least this many levels are kept as categories; None
        one-hot encodes every column.
    max_categories : int, optional
        ``max_categories`` of the one-hot encoder (rarer levels are grouped).

    Attributes
    ----------
    embedded_ : list
        Names of the columns kept as categories.
    categories_ : dict
        Their levels, as seen in training.
    onehot_ : OneHotEncoder or None
        The encoder of the other columns.
    feature_names_in_ : ndarray of str
        Names of the input columns.
    """

    def __init__(
        self, *, embed_min_categories: int | None = 10, max_categories: int | None = None
    ) -> None:
        self.embed_min_categories = embed_min_categories
        self.max_categories = max_categories

    def _frame(self, X: Any) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X
        frame = pd.DataFrame(np.asarray(X, dtype=object))
        names = getattr(self, "feature_names_in_", None)
        if names is not None and len(names) == frame.shape[1]:
            frame.columns = list(names)
        return frame

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
        frame = self._frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        frame.columns = list(self.feature_names_in_)
        self.n_features_in_ = frame.shape[1]
        levels = {c: pd.unique(frame[c].dropna()) for c in frame.columns}
        self.embedded_ = [
            c for c in frame.columns if threshold is not None and len(levels[c]) >= threshold
        ]
        self.categories_ = {c: sorted(levels[c], key=str) for c in self.embedded_}
        onehot = [c for c in frame.columns if c not in self.categories_]
        self.onehot_ = None
        if onehot:
            self.onehot_ = OneHotEncoder(
                handle_unknown="infrequent_if_exist" if self.max_categories else "ignore",
                max_categories=self.max_categories, sparse_output=False,
            ).fit(frame[onehot])  # fmt: skip
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
        check_is_fitted(self, "feature_names_in_")
        frame = self._frame(X)
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {frame.shape[1]} categorical columns, but CategoricalEncoder "
                f"was fitted with {self.n_features_in_}."
            )
        frame = frame.set_axis(list(self.feature_names_in_), axis=1)
        parts = []
        if self.onehot_ is not None:
            columns = list(self.onehot_.feature_names_in_)
            parts.append(pd.DataFrame(
                self.onehot_.transform(frame[columns]), index=frame.index,
                columns=self.onehot_.get_feature_names_out(),
            ))  # fmt: skip
        if self.embedded_:
            parts.append(pd.DataFrame({
                c: pd.Categorical(frame[c], categories=self.categories_[c])
                for c in self.embedded_
            }, index=frame.index))  # fmt: skip
        if not parts:
            return pd.DataFrame(index=frame.index)
        return pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: one-hot names, then embedded columns."""
        check_is_fitted(self, "feature_names_in_")
        names = [] if self.onehot_ is None else list(self.onehot_.get_feature_names_out())
        return np.asarray(names + list(self.embedded_), dtype=object)
