"""Categorical columns as text, spelled at predict time the way they were at fit.

A column read as text at training ('9', '10', 'other') may come back as
numbers in a new file (9.0, 10.0, NaN) because pandas infers dtypes per file.
Spelled naively, 10.0 becomes '10.0', an unseen category, and the prediction
silently shifts. :class:`CategoryCaster` remembers each column's dtype and
categories at fit and maps such values back onto the categories they equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..exceptions import DataError
from ._columns import validate_table

__all__ = ["CategoryCaster"]


def _kind(series: pd.Series) -> str:
    """'bool', 'number' or 'text': what a column's values are, for messages."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "number"
    if isinstance(series.dtype, pd.StringDtype | pd.CategoricalDtype):
        return "text"
    values = series.dropna()
    if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
        return "bool"  # a bool column with holes is read as object
    return "text"


_STR = np.frompyfunc(str, 1, 1)


def _text(series: pd.Series) -> pd.Series:
    """Values as ``str`` objects, missing values as NaN."""
    if isinstance(series.dtype, pd.StringDtype):  # already text: no per-value work
        values = series.to_numpy(dtype=object, na_value=np.nan)
    else:
        raw = series.to_numpy(dtype=object)
        missing = pd.isna(raw)
        values = np.asarray(_STR(raw), dtype=object)
        values[missing] = np.nan
    return pd.Series(values, index=series.index, dtype=object)


def _numbers(series: pd.Series) -> np.ndarray:
    """The value of each entry as a float (True is 1.0), NaN where it has none."""
    values = series.astype(object).map(
        lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v
    )
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(numbers), numbers, np.nan)


def _frame(X: Any) -> pd.DataFrame:
    return (
        X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    )


def _stack(columns: list[np.ndarray], n_rows: int) -> np.ndarray:
    return np.column_stack(columns) if columns else np.empty((n_rows, 0), dtype=object)


class CategoryCaster(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Cast categorical columns to text with the categories seen at fit.

    At fit, each column's kind of values (text, number or bool) and its
    categories (as text) are stored. At transform a value is spelled as text;
    a value whose text is not a known category but whose number equals one
    (``11.0`` for ``'11'``, ``'3'`` for ``3.0``, ``1`` for ``True``) takes that
    category's spelling. Values that still match nothing are left as they
    are: the encoder after this step treats them as unseen.

    Missing values stay NaN for the imputer after this step.

    Attributes
    ----------
    kinds_ : list of str
        ``"text"``, ``"number"`` or ``"bool"`` per column, as seen at fit.
    categories_ : list of ndarray
        The distinct non-missing values of each column, as text, sorted.
    category_numbers_ : list of ndarray
        For each category its value as a float (NaN for text that is no number).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` is a DataFrame with string column names.

    Raises
    ------
    DataError
        At transform, for a column that held only text at fit but holds
        numbers or booleans now: no value can match a category, so the column
        is not the one the model was trained on.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # left for the imputer after this step
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.transformer_tags.preserves_dtype = []  # the output is text
        return tags

    def fit(self, X: Any, y: Any = None) -> CategoryCaster:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> np.ndarray:
        frame = _frame(validate_table(self, X, reset=True))
        texts = [_text(frame.iloc[:, i]) for i in range(frame.shape[1])]
        self.kinds_ = [_kind(frame.iloc[:, i]) for i in range(frame.shape[1])]
        self.categories_ = [
            np.array(sorted(text.dropna().unique()), dtype=object) for text in texts
        ]
        self.category_numbers_ = [
            _numbers(pd.Series(categories, dtype=object))
            if kind != "bool"
            else np.array([1.0 if c == "True" else 0.0 for c in categories])
            for kind, categories in zip(self.kinds_, self.categories_, strict=True)
        ]
        return _stack([text.to_numpy() for text in texts], len(frame))

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        frame = _frame(validate_table(self, X, reset=False))
        columns = [
            self._cast(frame.iloc[:, i], i, frame.columns[i])
            for i in range(frame.shape[1])
        ]
        return _stack(columns, len(frame))

    def _cast(self, series: pd.Series, index: int, name: Any) -> np.ndarray:
        text = _text(series)
        categories = self.categories_[index]
        unknown = text.notna().to_numpy() & ~text.isin(categories).to_numpy()
        if not unknown.any():
            return text.to_numpy(dtype=object)
        numbers = self.category_numbers_[index]
        known = ~np.isnan(numbers)
        now = _kind(series)
        if now != "text" and self.kinds_[index] == "text" and not known.any():
            raise DataError(
                f"Column {name!r} held text at fit (categories such as "
                f"{', '.join(map(repr, categories[:3]))}) but holds "
                f"{'numbers' if now == 'number' else 'booleans'} now (such as "
                f"{series.dropna().iloc[0]}): none of its values can match a "
                "category. Check that the column is the one the model was trained "
                "on, or cast it to the training values."
            )
        # The first category with a given value wins ('9' before '9.0').
        lookup: dict[float, str] = {}
        for number, category in zip(numbers[known], categories[known], strict=True):
            lookup.setdefault(number, category)
        values = text.to_numpy(dtype=object, copy=True)
        for row, number in zip(
            np.flatnonzero(unknown), _numbers(series.iloc[unknown]), strict=True
        ):
            values[row] = lookup.get(number, values[row])
        return values
