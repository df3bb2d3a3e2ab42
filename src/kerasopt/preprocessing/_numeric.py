"""Numeric columns as floats, with errors that name the column.

A numeric column may come back as text in a new file (a stray 'unknown', a
number in quotes) or hold infinity; both are caught here, where the column's
name is still known, rather than as an anonymous array error further down.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..exceptions import DataError
from ._columns import validate_table

__all__ = ["NumericCaster"]


def describe_rows(labels: Any, mask: np.ndarray) -> str:
    """``"2 rows (index 4, 9)"``: how many rows ``mask`` selects, and which."""
    count = int(mask.sum())
    shown = ", ".join(map(repr, list(labels[mask][:3])))
    more = ", ..." if count > 3 else ""
    return f"{count} row{'s' if count > 1 else ''} (index {shown}{more})"


class NumericCaster(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Cast numeric columns to float64; refuse text and infinity by column name.

    Text that spells a number (``"3.5"``) is converted; missing values stay NaN
    for the imputer after this step.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` is a DataFrame with string column names.

    Raises
    ------
    DataError
        If a column holds text that is not a number, or infinity; the message
        names the column, the value and the rows.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # left for the imputer after this step
        tags.input_tags.string = True  # numbers written as text are converted
        return tags

    def fit(self, X: Any, y: Any = None) -> NumericCaster:
        self._numbers(validate_table(self, X, reset=True))
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> np.ndarray:
        return self._numbers(validate_table(self, X, reset=True))

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self._numbers(validate_table(self, X, reset=False))

    def _numbers(self, X: Any) -> np.ndarray:
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
