"""Which column is which, and the checks of a table and its target.

Each kind (categorical, numeric, or dropped before learning) is decided from
the data at fit, by a :class:`ColumnSelector`, which a ``ColumnTransformer``
calls once per kind. Columns that carry no learnable signal as they are (row
IDs, dates stored as text, durations, a saved row index) are dropped with
one :class:`~kerasopt.exceptions.DroppedColumnsWarning` that names them, rather
than one-hot encoded into thousands of columns.

The checks here (:func:`validate_table`, :func:`check_target`) run where the
column names and row labels are still known, so their errors can name them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
from sklearn.utils.validation import validate_data

from ..exceptions import DataError, DroppedColumnsWarning

__all__ = [
    "KINDS",
    "ColumnSelector",
    "categorical_columns",
    "check_rows",
    "check_target",
    "describe_rows",
    "drop_reason",
    "validate_table",
]

KINDS: tuple[str, ...] = ("dropped", "categorical", "numeric")

#: A text column is an ID when at least this share of its values are distinct
#: (and it has at least ``MIN_ID_ROWS`` values): one-hot codes of values seen
#: once cannot generalize. High-cardinality columns with repeats are kept.
ID_UNIQUE_SHARE = 0.9
MIN_ID_ROWS = 20
#: A text column is dates or durations when this share of its values look so.
PATTERN_SHARE = 0.9

_DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?"
)
_DURATION = re.compile(r"[+-]?\d+ days?( [+-]?\d{1,2}:\d{2}:\d{2}(\.\d*)?)?")
#: Names of a saved row index: pandas' ``Unnamed: 0`` (``to_csv`` wrote the index
#: without a name), ``rownames`` (R's row names, as the Rdatasets CSVs and
#: statsmodels' ``get_rdataset`` carry them) and readr's ``...1``.
_INDEX_NAME = re.compile(r"Unnamed: \d+|rownames|\.\.\.\d+", re.IGNORECASE)


def check_rows(X: Any) -> None:
    """Refuse a table without rows, naming the shape of what was passed.

    Called on the whole table: a ColumnTransformer's parts each see only their
    columns, and would name the shape of one part (``(0, 1)``).
    """
    shape = np.shape(X)
    if len(shape) >= 1 and shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is "
            "required."
        )


def validate_table(estimator: Any, X: Any, *, reset: bool) -> Any:
    """sklearn's ``validate_data`` for a table kept as it is (dtypes per column).

    Sets or checks ``n_features_in_`` and ``feature_names_in_``, and refuses
    what no column-wise step can take: sparse, not 2-D, empty, complex.

    Raises
    ------
    TypeError
        For a scipy sparse matrix (see :func:`~kerasopt.preprocessing.densify`).
    ValueError
        For data that is not 2-D, has no rows or columns, or holds complex
        numbers.
    """
    if scipy.sparse.issparse(X):
        raise TypeError(
            "Sparse input is not supported by the column-wise steps: pass a dense "
            "table (OneHotEncoder(sparse_output=False), or "
            "kerasopt.preprocessing.densify)."
        )
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
    shape = np.shape(X)
    if len(shape) != 2:
        raise ValueError(
            f"Expected a 2-D table, got data of shape {shape}. Reshape your data "
            "with X.reshape(-1, 1) for a single column or X.reshape(1, -1) for a "
            "single row."
        )
    check_rows(X)
    if shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is "
            "required."
        )
    dtypes = X.dtypes if isinstance(X, pd.DataFrame) else [np.asarray(X).dtype]
    if any(np.dtype(d).kind == "c" for d in dtypes if isinstance(d, np.dtype)):
        raise ValueError("Complex data not supported: pass real numbers.")
    return validate_data(estimator, X, reset=reset, skip_check_array=True)


def describe_rows(labels: Any, mask: np.ndarray) -> str:
    """``"2 rows (index 4, 9)"``: how many rows ``mask`` selects, and which."""
    count = int(mask.sum())
    shown = ", ".join(map(repr, list(labels[mask][:3])))
    more = ", ..." if count > 3 else ""
    return f"{count} row{'s' if count > 1 else ''} (index {shown}{more})"


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


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)


def _is_date(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


def _share_matching(values: pd.Series, pattern: re.Pattern[str]) -> float:
    sample = values.iloc[:1000].astype(str)
    return float(sample.str.fullmatch(pattern).mean())


def drop_reason(name: Any, series: pd.Series) -> str | None:
    """Why a column would be dropped by default, or None to keep it.

    Parameters
    ----------
    name : column name
    series : pandas.Series
        The column's values at fit.

    Returns
    -------
    str or None
        A short reason (``"an ID or free text: nearly every value distinct"``,
        ``"dates"``, ``"durations"``, ``"a saved row index"``) or None.
    """
    dtype = series.dtype
    if _is_date(series):
        return "dates"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "durations"
    values = series.dropna()
    if isinstance(name, str) and _INDEX_NAME.fullmatch(name) and values.is_unique:
        return "a saved row index"
    if isinstance(dtype, pd.CategoricalDtype) or not _is_categorical(series):
        return None  # numbers, and categories the user declared as such
    if len(values) == 0 or pd.api.types.is_bool_dtype(dtype):
        return None
    if _share_matching(values, _DATE) >= PATTERN_SHARE:
        return "dates stored as text"
    if _share_matching(values, _DURATION) >= PATTERN_SHARE:
        return "durations stored as text"
    n_unique = values.nunique()
    if len(values) >= MIN_ID_ROWS and n_unique >= ID_UNIQUE_SHARE * len(values):
        return "an ID or free text: nearly every value distinct"
    return None


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

    Raises
    ------
    DataError
        If a column holds dates (datetime dtype): convert them to numbers.
    """
    frame = _frame(X)
    dates = [c for c in frame if _is_date(frame[c])]
    if dates:
        raise DataError(
            f"Date/time columns are not supported as such: {dates}. Convert them "
            "to numbers (e.g. year, day of week, timestamp) or drop them."
        )
    return _positions(X, frame, [c for c in frame if _is_categorical(frame[c])])


def _positions(X: Any, frame: pd.DataFrame, columns: list[Any]) -> list[Any]:
    return (
        columns
        if isinstance(X, pd.DataFrame)
        else [frame.columns.get_loc(c) for c in columns]
    )


def _dropped(
    frame: pd.DataFrame, explicit: set[Any], drop: Sequence[Any], auto_drop: bool
) -> dict[Any, str]:
    reasons = {column: "asked" for column in drop if column in frame.columns}
    if auto_drop:
        for column in frame.columns:
            if column not in explicit and column not in reasons:
                reason = drop_reason(column, frame[column])
                if reason is not None:
                    reasons[column] = reason
    return reasons


def _warn(reasons: dict[Any, str], n_columns: int) -> None:
    found = {c: r for c, r in reasons.items() if r != "asked"}
    if not found:
        return
    listed = ", ".join(f"{c!r} ({r})" for c, r in found.items())
    timed = any(r.startswith(("dates", "durations")) for r in found.values())
    convert = "Convert dates and durations to numbers to use them; " if timed else ""
    warnings.warn(
        f"Dropped {len(found)} of {n_columns} columns that cannot be learned from as "
        f"they are: {listed}. {convert}To keep a column as it is, name it in "
        "categorical= or numeric=, or pass auto_drop=False.",
        DroppedColumnsWarning,
        stacklevel=2,
    )


class ColumnSelector:
    """The columns of one kind; a ``ColumnTransformer`` column selector.

    Explicit lists win: a column named in ``categorical`` or ``numeric`` is
    never dropped by default. Without ``numeric``, every column that is
    neither categorical nor dropped is numeric; with it, the other columns
    are left out.

    Parameters
    ----------
    kind : {"dropped", "categorical", "numeric"}
    categorical, numeric : sequence of column names or positions, optional
        As given to :func:`~kerasopt.make_tabular_preprocessor`.
    drop : sequence of column names or positions, default=()
        Columns always dropped.
    auto_drop : bool, default=True
        Also drop the columns for which :func:`drop_reason` gives a reason,
        with one :class:`~kerasopt.exceptions.DroppedColumnsWarning` (emitted
        by the ``kind="dropped"`` selector).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"city": ["Oslo", "Rome"] * 15, "x": range(30),
    ...                       "id": [f"r{i}" for i in range(30)]})
    >>> ColumnSelector("categorical")(frame), ColumnSelector("numeric")(frame)
    (['city'], ['x'])
    """

    def __init__(
        self,
        kind: str,
        *,
        categorical: Sequence[Any] | None = None,
        numeric: Sequence[Any] | None = None,
        drop: Sequence[Any] = (),
        auto_drop: bool = True,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(
                f"Unknown column kind. Received: kind={kind!r}. Use one of "
                f"{', '.join(KINDS)}."
            )
        self.kind = kind
        self.categorical = None if categorical is None else list(categorical)
        self.numeric = None if numeric is None else list(numeric)
        self.drop = list(drop)
        self.auto_drop = auto_drop

    def __repr__(self) -> str:
        return f"ColumnSelector({self.kind!r})"

    def __call__(self, X: Any) -> list[Any]:
        """Column names (DataFrame) or positions (array) of this kind in ``X``.

        Raises
        ------
        DataError
            If a column is named in more than one of ``categorical``,
            ``numeric``, ``drop``, or if no column is left to learn from.
        """
        frame = _frame(X)
        categorical, numeric, drop = self.categorical, self.numeric, self.drop
        seen: dict[Any, str] = {}
        for option, columns in (("categorical", categorical), ("numeric", numeric),
                                ("drop", drop)):  # fmt: skip
            for column in columns or ():
                if column in seen and seen[column] != option:
                    raise DataError(
                        f"Column {column!r} is named in both {seen[column]}= and "
                        f"{option}=; name it in one of them."
                    )
                seen[column] = option
        reasons = _dropped(frame, set(seen), drop, self.auto_drop)
        rest = [c for c in frame.columns if c not in reasons]
        if categorical is not None:
            chosen = {"categorical": [c for c in categorical if c not in reasons]}
        else:
            candidates = [c for c in rest if numeric is None or c not in numeric]
            chosen = {"categorical": categorical_columns(frame[candidates])}
        chosen["numeric"] = (
            [c for c in numeric if c not in reasons]
            if numeric is not None
            else [c for c in rest if c not in chosen["categorical"]]
        )
        if self.kind != "dropped":
            return _positions(X, frame, chosen[self.kind])
        if frame.shape[1] and not (chosen["categorical"] or chosen["numeric"]):
            raise DataError(
                f"No column is left to learn from: dropped "
                f"{', '.join(f'{c!r} ({r})' for c, r in reasons.items())}. Pass "
                "auto_drop=False or name the columns to keep in categorical= or "
                "numeric=."
            )
        _warn(reasons, frame.shape[1])
        return _positions(X, frame, list(reasons))
