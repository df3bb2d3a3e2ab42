"""The ColumnTransformer of make_tabular_preprocessor, with checks that name columns.

sklearn's own errors at this point speak of arrays ("Input X contains NaN",
"Specifying the columns using strings is only supported for dataframes"); by
the time the estimator sees the data the column names are gone. The checks
here run where the names are still known.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from ..exceptions import DataError
from ._numeric import describe_rows

__all__ = ["TabularPreprocessor", "check_target"]

# Keras computes in float32: a larger value becomes infinity in the model.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_target(y: Any) -> None:
    """Refuse a target with missing or infinite values, saying to drop the rows.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), or None

    Raises
    ------
    DataError
        If ``y`` holds NaN/None or infinity. Neither the preprocessor nor the
        estimator imputes a target.
    """
    if y is None:
        return
    frame = pd.DataFrame(y)  # keeps a Series' index, for the row labels
    labels = frame.index
    values = frame.to_numpy()
    missing = pd.isna(values).any(axis=1)
    if missing.any():
        raise DataError(
            f"The target y has missing values in {describe_rows(labels, missing)} of "
            f"{len(labels)}. A target is never imputed: drop those rows before "
            "fitting, e.g. keep = y.notna(); fit(X[keep], y[keep])."
        )
    if values.dtype.kind == "f" and np.isinf(values).any():
        infinite = np.isinf(values).any(axis=1)
        raise DataError(
            f"The target y holds infinity in {describe_rows(labels, infinite)}. "
            "Drop those rows or replace the values by finite numbers before fitting."
        )


def _has_categories(X: Any) -> bool:
    return isinstance(X, pd.DataFrame) and any(
        isinstance(dtype, pd.CategoricalDtype) for dtype in X.dtypes
    )


class TabularPreprocessor(ColumnTransformer):
    """A ``ColumnTransformer`` whose errors name the column and the fix.

    The parameters are those of :class:`sklearn.compose.ColumnTransformer`;
    :func:`~kerasopt.make_tabular_preprocessor` builds one. On top of it:

    - ``fit`` refuses a target ``y`` with missing or infinite values (the
      rows must be dropped; nothing imputes a target);
    - ``transform`` on an array when fit on a DataFrame says to pass a
      DataFrame with the fitted columns;
    - an output value that is not finite, or too large for the float32 a Keras
      model computes in, names its column (a feature ×1e200 overflows when
      scaled);
    - when a transformer returns pandas ``category`` columns
      (:class:`~kerasopt.preprocessing.CategoricalEncoder`), the output is a
      DataFrame that keeps them (named by ``get_feature_names_out``);
      otherwise an array, as usual.
    """

    def fit(self, X: Any, y: Any = None, **params: Any) -> TabularPreprocessor:
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> Any:
        check_target(y)
        with np.errstate(over="ignore", invalid="ignore"):
            out = super().fit_transform(X, y, **params)
        return self._check_output(X, out)

    def transform(self, X: Any, **params: Any) -> Any:
        names = getattr(self, "feature_names_in_", None)
        if names is not None and not hasattr(X, "columns"):
            raise DataError(
                f"This preprocessor was fitted on a DataFrame with columns "
                f"{', '.join(map(str, names))}, but got a {type(X).__name__} of "
                f"shape {np.shape(X)}. Pass a DataFrame with these columns, e.g. "
                "pd.DataFrame(X, columns=model.feature_names_in_)."
            )
        with np.errstate(over="ignore", invalid="ignore"):
            out = super().transform(X, **params)
        return self._check_output(X, out)

    def _hstack(self, Xs: list[Any], *, n_samples: int) -> Any:
        if not any(_has_categories(X) for X in Xs):
            return super()._hstack(Xs, n_samples=n_samples)
        frames = [
            X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
            for X in Xs
        ]
        out = pd.concat(frames, axis=1, ignore_index=True)
        out.columns = list(self.get_feature_names_out())
        return out

    def _check_output(self, X: Any, out: Any) -> Any:
        if isinstance(out, pd.DataFrame):  # set_output("pandas"): category columns
            numbers = out.select_dtypes("number")
            values, names = numbers.to_numpy(dtype=float), numbers.columns
        elif isinstance(out, np.ndarray) and out.dtype.kind == "f":
            values, names = out, self.get_feature_names_out()
        else:
            return out
        with np.errstate(invalid="ignore"):
            bad = ~(np.abs(values) <= _FLOAT32_MAX)
        if not bad.any():
            return out
        column = names[np.flatnonzero(bad.any(axis=0))[0]]
        raw = X[column] if hasattr(X, "columns") and column in X.columns else None
        largest = ""
        if raw is not None:
            magnitude = np.nanmax(np.abs(pd.to_numeric(raw, errors="coerce")))
            largest = f" (values up to {magnitude:.3g} in magnitude)"
        raise DataError(
            f"Column {column!r} is too large to compute with{largest}: after "
            "scaling its values overflow (Keras computes in float32). Divide it by "
            "a constant or take its logarithm before fitting (e.g. np.log10 of a "
            "positive column), or drop it."
        )
