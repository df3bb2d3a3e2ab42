"""The encoders of a table's columns: each column cast, categories coded once.

:class:`CategoryCaster` and :class:`NumericCaster` come first in the
categorical and numeric parts of :func:`~kerasopt.make_tabular_preprocessor`.
A column read as text at training ('9', '10', 'other') may come back as
numbers in a new file (9.0, 10.0, NaN) because pandas infers dtypes per file;
spelled naively, 10.0 becomes '10.0', an unseen category, and the prediction
silently shifts: the category caster maps such values back onto the categories
they equal. A numeric column may come back as text (a stray 'unknown') or hold
infinity: the numeric caster says so, naming the column, rather than an
anonymous array error further down.

:class:`CategoricalEncoder` ends the categorical part: one-hot columns for few
levels, and for many levels the codes of one ``OrdinalEncoder`` as pandas
``category`` columns, which kerasopt's estimators look up in an embedding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.utils.validation import check_is_fitted

from ..exceptions import DataError
from ._columns import describe_rows, validate_table

__all__ = ["CategoricalEncoder", "CategoryCaster", "NumericCaster", "one_hot_encoder"]

# The code of a missing or unseen value in CategoricalEncoder's category columns
# (pandas' own code for missing).
_NO_LEVEL = -1


def one_hot_encoder(max_categories: int | None) -> OneHotEncoder:
    """The one-hot encoder of categorical columns: unseen values give all zeros."""
    return OneHotEncoder(
        handle_unknown="infrequent_if_exist" if max_categories else "ignore",
        max_categories=max_categories, sparse_output=False,
    )  # fmt: skip


# -- casting ------------------------------------------------------------------
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


class _Caster(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """A table in, each column cast (to text or to numbers) out, as an array.

    Missing values stay NaN for the imputer after this step; the columns are
    checked by :func:`~kerasopt.preprocessing._columns.validate_table`.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # left for the imputer after this step
        tags.input_tags.string = True
        return tags

    def fit(self, X: Any, y: Any = None) -> _Caster:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> np.ndarray:
        return self._fit_cast(validate_table(self, X, reset=True))

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self._cast_again(validate_table(self, X, reset=False))

    def _fit_cast(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def _cast_again(self, X: Any) -> np.ndarray:
        raise NotImplementedError


class CategoryCaster(_Caster):
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
        tags.input_tags.categorical = True
        tags.transformer_tags.preserves_dtype = []  # the output is text
        return tags

    def _fit_cast(self, X: Any) -> np.ndarray:
        frame = _frame(X)
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

    def _cast_again(self, X: Any) -> np.ndarray:
        frame = _frame(X)
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


class NumericCaster(_Caster):
    """Cast numeric columns to float64; refuse text and infinity by column name.

    Text that spells a number (``"3.5"``) is converted; missing values stay NaN
    for the imputer after this step.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen at fit.
    feature_names_in_ : ndarray of str
        Their names, when ``X`` was a DataFrame with string column names.

    Raises
    ------
    DataError
        If a column holds text that is not a number, or infinity; the message
        names the column, the value and the rows.
    """

    def _fit_cast(self, X: Any) -> np.ndarray:
        return self._cast_again(X)

    def _cast_again(self, X: Any) -> np.ndarray:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        columns = []
        for name in frame.columns:
            raw = frame[name]
            if pd.api.types.is_numeric_dtype(raw.dtype):
                values = raw.to_numpy(dtype=float, na_value=np.nan)
            else:
                values = pd.to_numeric(raw.astype(object), errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                )
                text = raw.notna().to_numpy() & np.isnan(values)
                if text.any():
                    raise DataError(
                        f"Column {name!r} must hold numbers, but holds text such as "
                        f"{str(raw[text].iloc[0])!r} in "
                        f"{describe_rows(frame.index, text)}. Replace it by a number "
                        "or leave the cell empty (missing values are imputed), or "
                        "declare the column categorical (categorical=)."
                    )
            infinite = np.isinf(values)
            if infinite.any():
                raise DataError(
                    f"Column {name!r} holds infinity in "
                    f"{describe_rows(frame.index, infinite)}. Replace it by a finite "
                    "number, or by NaN to have it imputed."
                )
            columns.append(values)
        return np.column_stack(columns) if columns else np.empty((len(frame), 0))


# -- encoding of categories ----------------------------------------------------
class CategoricalEncoder(TransformerMixin, BaseEstimator):
    """One-hot encode columns with few levels; pass the others on as categories.

    A column with at least ``embed_min_categories`` distinct values in training
    comes out as a pandas ``category`` column whose categories are those
    values; a value not seen in training becomes missing (NaN) there. The
    codes are one scikit-learn ``OrdinalEncoder``'s (``ordinal_``).
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
    min_frequency : int, float or None, default=0.001
        Levels of a column kept as categories that have fewer training rows
        than this (a float: this share of the rows, as in scikit-learn's
        ``OneHotEncoder``) get no category of their own: they share the code
        of unseen and missing values. A level seen a handful of times gets a
        learned vector that fits those rows' noise: on the quality benchmark's
        flights table (4,043 tail numbers in 15,000 rows), grouping the levels
        with fewer than 15 rows raised the held-out AUC of the defaults with
        dropout 0.15 from 0.697 to 0.709 (2 seeds), while no table of fewer
        than 2,000 rows changed (a level needs 2 rows there). None keeps
        every level.

    Attributes
    ----------
    embedded_ : list of int
        Positions of the columns kept as categories.
    categories_ : list of list
        Their levels, as seen in training (without those grouped by
        ``min_frequency``).
    ordinal_ : OrdinalEncoder or None
        The encoder of the columns kept as categories: level ``i`` of
        ``categories_`` is code ``i``, an unseen or missing value code -1.
    onehot_ : OneHotEncoder or None
        The encoder of the other columns.
    n_features_in_ : int
        Number of input columns.
    """

    def __init__(
        self,
        *,
        embed_min_categories: int | None = 10,
        max_categories: int | None = None,
        min_frequency: float | None = 0.001,
    ) -> None:
        self.embed_min_categories = embed_min_categories
        self.max_categories = max_categories
        self.min_frequency = min_frequency

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
        least = _least_rows(self.min_frequency, len(values))
        self.n_features_in_ = values.shape[1]
        counts = [pd.Series(values[:, i]).value_counts() for i in range(values.shape[1])]
        self.embedded_ = [
            i for i, found in enumerate(counts)
            if threshold is not None and len(found) >= threshold
        ]  # fmt: skip
        # value_counts sorts by count: the most frequent level stays in any case.
        self.categories_ = [
            sorted(counts[i].index[: max(1, int(np.sum(counts[i] >= least)))], key=str)
            for i in self.embedded_
        ]
        self._onehot_columns = [i for i in range(len(counts)) if i not in self.embedded_]
        self.ordinal_ = None
        if self.embedded_:
            self.ordinal_ = _ordinal_encoder(self.categories_).fit(values[:, self.embedded_])
        self.onehot_ = None
        if self._onehot_columns:
            self.onehot_ = one_hot_encoder(self.max_categories).fit(
                values[:, self._onehot_columns]
            )
        return self

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("min_frequency", None)  # fitted before it existed
        super().__setstate__(state)
        if "ordinal_" in state or "categories_" not in state:
            return
        # Fitted by kerasopt 0.2, which coded the categories with pandas: the same
        # codes come from an OrdinalEncoder of the same levels.
        self.ordinal_ = None
        if self.categories_:
            first = np.array([[levels[0] for levels in self.categories_]], dtype=object)
            self.ordinal_ = _ordinal_encoder(self.categories_).fit(first)

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
        if self.ordinal_ is not None:
            codes = self.ordinal_.transform(values[:, self.embedded_])
            for j, (name, levels) in enumerate(
                zip(names[len(parts) :], self.categories_, strict=True)
            ):
                parts[name] = pd.Categorical.from_codes(codes[:, j], categories=levels)
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


def _least_rows(min_frequency: Any, n_rows: int) -> float:
    """Training rows a level needs to keep its own category (``min_frequency``)."""
    if min_frequency is None:
        return 0
    if isinstance(min_frequency, (int, np.integer)) and not isinstance(
        min_frequency, bool
    ) and min_frequency >= 1:
        return int(min_frequency)
    if isinstance(min_frequency, (float, np.floating)) and 0.0 < min_frequency < 1.0:
        return min_frequency * n_rows
    raise ValueError(
        "min_frequency must be an int >= 1 (rows), a float in (0, 1) (a share of "
        f"the rows) or None (keep every level). Received: min_frequency={min_frequency!r}."
    )


def _values(X: Any) -> np.ndarray:
    values = np.asarray(X, dtype=object)
    if values.ndim != 2:
        raise ValueError(f"CategoricalEncoder needs 2-D data, got shape {values.shape}.")
    return values


def _ordinal_encoder(categories: list[list[Any]]) -> OrdinalEncoder:
    """The encoder of embedded columns: fixed levels, -1 for unseen and missing values."""
    return OrdinalEncoder(
        categories=[np.asarray(levels, dtype=object) for levels in categories],
        handle_unknown="use_encoded_value", unknown_value=_NO_LEVEL,
        encoded_missing_value=_NO_LEVEL, dtype=np.int64,
    )  # fmt: skip
