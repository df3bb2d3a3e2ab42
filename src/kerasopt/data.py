"""Tables from files: CSV, TSV, Parquet and compressed CSV into ``(X, y)``.

What the CLI reads before it tunes, and what it checks before it predicts.
Plain pandas; no Keras, no Optuna.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._utils import did_you_mean
from .exceptions import DataError

__all__ = [
    "TASKS",
    "check_columns",
    "check_file",
    "infer_task",
    "load_dataset",
    "read_table",
    "split_target",
]

TASKS: tuple[str, ...] = ("classification", "regression")

_COMPRESSION = (".gz", ".bz2", ".zip", ".xz", ".zst")
_PARQUET = (".parquet", ".pq")
_TSV = (".tsv", ".tab")
_CSV = (".csv", ".txt")
#: An integer-valued target with at most this many distinct values is a class label.
MAX_INTEGER_CLASSES = 20


def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in _PARQUET:
        return "parquet"
    if last in _TSV:
        return "tsv"
    if last in _CSV:
        return "csv"
    raise DataError(
        f"Cannot tell the format of {str(path)!r} from its suffix "
        f"{last or '(none)'!r}. "
        f"Use a file ending in {', '.join(_CSV + _TSV + _PARQUET)}, optionally "
        f"compressed ({', '.join(_COMPRESSION)}) for CSV/TSV."
    )


def check_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path`, or an error if no such file exists.

    Raises
    ------
    FileNotFoundError
        Naming the file and the working directory.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Data file {str(path)!r} not found (working directory: {os.getcwd()!r})."
        )
    return path


def read_table(path: str | os.PathLike[str], sep: str | None = None) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file (CSV/TSV may be compressed).

    The format comes from the suffix: ``.csv``/``.txt`` (comma-separated),
    ``.tsv``/``.tab`` (tab-separated), ``.parquet``/``.pq``; ``.gz``, ``.bz2``,
    ``.zip``, ``.xz`` and ``.zst`` after a CSV/TSV suffix are decompressed.

    Parameters
    ----------
    path : str or path-like
        The file.
    sep : str or None, default=None
        Column delimiter of a CSV/TSV file, e.g. ``";"``; ``None`` takes it
        from the suffix (comma, tab for ``.tsv``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataError
        If the suffix is unknown, the file cannot be parsed or has no rows.
    """
    path = check_file(path)
    kind = _format(path)
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            default = "\t" if kind == "tsv" else ","
            frame = pd.read_csv(path, sep=default if sep is None else sep)
    except Exception as exc:  # parsers raise many types; all mean "unreadable"
        hint = (
            " The file is not UTF-8: re-save it as UTF-8 (e.g. `iconv -f latin1 "
            "-t utf-8 in.csv > out.csv`)."
            if isinstance(exc, UnicodeDecodeError)
            else ""
        )
        raise DataError(
            f"Cannot read {str(path)!r} as {kind.upper()}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}{hint}"
        ) from exc
    if frame.empty:
        raise DataError(f"{str(path)!r} has no rows (columns: {list(frame.columns)}).")
    if kind != "parquet" and sep is None and frame.shape[1] == 1:
        other = [sep for sep in (";", "\t", "|") if sep in str(frame.columns[0])]
        if other:
            raise DataError(
                f"{str(path)!r} was read as one column {str(frame.columns[0])!r}: it "
                f"seems to use {other[0]!r} as delimiter, but {kind.upper()} files "
                "must be separated by "
                f"{'tabs' if kind == 'tsv' else 'commas'}. Convert the file, or name "
                "it .tsv if it is tab-separated."
            )
    return frame


def _column_hint(name: str, columns: Sequence[Any]) -> str:
    names = [str(c) for c in columns]
    lowered = {n.lower(): n for n in names}
    if name.lower() in lowered:
        return f" Did you mean {lowered[name.lower()]!r}?"
    return did_you_mean(name, names)


def split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Split ``frame`` into features and the ``target`` column.

    Rows whose target is missing are dropped with a warning.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    target : str
        Name of the target column.

    Returns
    -------
    X : pandas.DataFrame
        The other columns, index reset.
    y : pandas.Series
        The target, index reset.

    Raises
    ------
    DataError
        If ``target`` is not a column (the message lists the columns and
        suggests a close match), no feature column is left, or the target has
        fewer than two distinct values.
    """
    if target not in frame.columns:
        raise DataError(
            f"Target column {target!r} not found.{_column_hint(target, frame.columns)} "
            f"Columns: {', '.join(map(str, frame.columns))}."
        )
    y = frame[target]
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise DataError(
            f"No feature columns left: the table has only the target {target!r}."
        )
    missing = y.isna().to_numpy()
    if missing.any():
        warnings.warn(
            f"Dropped {int(missing.sum())} of {len(y)} rows whose target {target!r} is "
            "missing.",
            UserWarning,
            stacklevel=2,
        )
        X, y = X.loc[~missing], y.loc[~missing]
    n_values = y.nunique()
    if n_values < 2:
        raise DataError(
            f"Target column {target!r} has {n_values} distinct value"
            f"{'' if n_values == 1 else 's'}"
            f"{f' ({y.iloc[0]!r})' if n_values == 1 else ''}; at least 2 are needed to "
            "learn anything. Choose another --target."
        )
    return X.reset_index(drop=True), y.reset_index(drop=True)


def infer_task(y: pd.Series, task: str = "auto") -> str:
    """Return ``"classification"`` or ``"regression"`` for the target ``y``.

    With ``task="auto"``: strings, categories and booleans are classes; floats
    with a fractional part are a regression target; integer values are classes
    when there are at most ``MAX_INTEGER_CLASSES`` (20) distinct values and
    fewer than half the rows, otherwise a regression target.

    Parameters
    ----------
    y : pandas.Series
        The target (no missing values).
    task : {"auto", "classification", "regression"}, default="auto"
        A task other than ``"auto"`` is returned as it is (after checking it).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``task`` is not one of the three names.
    DataError
        If ``task="regression"`` but ``y`` is not numeric, or
        ``task="classification"`` but ``y`` holds more than
        ``MAX_INTEGER_CLASSES`` distinct numbers with fractions.
    """
    if task not in ("auto", *TASKS):
        raise ValueError(
            "`task` must be 'auto', 'classification' or 'regression', but got "
            f"{task!r}."
        )
    numeric = pd.api.types.is_numeric_dtype(y.dtype) and not pd.api.types.is_bool_dtype(
        y.dtype
    )
    if task == "regression" and not numeric:
        raise DataError(
            f"task='regression' needs a numeric target, but {y.name!r} has dtype "
            f"{y.dtype} (values such as {y.iloc[0]!r}). Use --task classification."
        )
    if not numeric:
        return "classification" if task == "auto" else task
    values = y.to_numpy(dtype=float)
    continuous = not np.all(np.isfinite(values)) or not np.all(
        values == np.round(values)
    )
    if task == "classification" and continuous and y.nunique() > MAX_INTEGER_CLASSES:
        example = float(values[values != np.round(values)][0])
        raise DataError(
            f"task='classification' needs class labels, but {y.name!r} holds "
            f"{y.nunique()} distinct numbers with fractions (such as {example:g}): a "
            "continuous target. Use --task regression (or --task auto)."
        )
    if task != "auto":
        return task
    if continuous:
        return "regression"
    n_unique = y.nunique()
    if n_unique <= MAX_INTEGER_CLASSES and n_unique < 0.5 * len(y):
        return "classification"
    return "regression"


def load_dataset(
    path: str | os.PathLike[str], target: str, sep: str | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Read ``path`` and split off the ``target`` column.

    See :func:`read_table` and :func:`split_target`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "t.csv").write_text("a,b,label\\n1,x,yes\\n2,y,no\\n3,x,yes\\n")
    >>> X, y = load_dataset(folder / "t.csv", target="label")
    >>> list(X.columns), infer_task(y)
    (['a', 'b'], 'classification')
    """
    return split_target(read_table(path, sep), target)


def check_columns(X: pd.DataFrame, expected: Sequence[Any]) -> pd.DataFrame:
    """Return ``X`` with the ``expected`` columns, in their order.

    Parameters
    ----------
    X : pandas.DataFrame
        New data.
    expected : sequence
        The feature names a model was trained on.

    Returns
    -------
    pandas.DataFrame
        ``X[expected]``. Other columns (the target of a labelled file,
        an id) are left out.

    Raises
    ------
    DataError
        If columns are missing; the message lists the missing and the extra
        ones.
    """
    expected = [str(c) for c in expected]
    present = [str(c) for c in X.columns]
    missing = [c for c in expected if c not in present]
    if missing:
        extra = [c for c in present if c not in expected]
        hints = "".join(_column_hint(c, extra) for c in missing[:3])
        raise DataError(
            f"The data lacks {len(missing)} column(s) the model was trained on: "
            f"{', '.join(missing)}. Extra columns: {', '.join(extra) or '(none)'}."
            f"{hints} Expected columns: {', '.join(expected)}."
        )
    frame = X.copy()
    frame.columns = present
    return frame[expected]
