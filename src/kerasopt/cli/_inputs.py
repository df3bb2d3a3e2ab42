"""What a study is tuned on: the table, the search space file, the pipeline."""

from __future__ import annotations

import enum
import warnings
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidSearchSpaceError
from . import _render

__all__ = [
    "Task",
    "build_pipeline",
    "check_named",
    "load_data",
    "read_space_file",
    "unused_columns",
]


class Task(str, enum.Enum):
    """``kerasopt tune --task``."""

    auto = "auto"
    classification = "classification"
    regression = "regression"


def load_data(
    path: Path, target: str, quiet: bool, sep: str | None = None
) -> tuple[Any, Any]:
    """Read ``path``; data warnings (dropped rows) become notes."""
    from ..data import load_dataset

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        X, y = load_dataset(path, target, sep)
    if not quiet:
        for warning in caught:
            _render.note(str(warning.message))
    return X, y


def check_named(X: Any, columns: list[str], option: str) -> None:
    """Fail on a name in ``columns`` (given by ``option``) that ``X`` lacks."""
    from .._utils import did_you_mean

    names = [str(c) for c in X.columns]
    for column in columns:
        if column not in names:
            raise DataError(
                f"{option} {column!r} is not a column of the data."
                f"{did_you_mean(column, names)} Columns: {', '.join(names)}."
            )


def unused_columns(
    X: Any, drop: list[str], id_column: str | None
) -> dict[str, str]:
    """The columns not to learn from, each with the reason.

    ``--drop`` and ``--id-column`` ones, then those the preprocessing would
    drop by itself (IDs, dates, durations, a saved index: see
    :func:`kerasopt.preprocessing.drop_reason`). Decided once on the whole
    table, so that every trial and the exported model use the same columns.
    """
    from ..preprocessing import drop_reason

    check_named(X, drop, "--drop")
    if id_column is not None:
        check_named(X, [id_column], "--id-column")
    reasons = {str(c): "--drop" for c in drop}
    if id_column is not None:
        reasons[id_column] = "--id-column"
    for column in X.columns:
        if str(column) not in reasons:
            reason = drop_reason(column, X[column])
            if reason is not None:
                reasons[str(column)] = reason
    return reasons


def build_pipeline(task: str, epochs: int) -> Any:
    """The estimator every trial clones: preprocessing + Keras MLP.

    Columns are chosen before (:func:`unused_columns`): the pipeline drops
    none by itself, so no trial warns about them.
    """
    from ..estimators import KerasClassifier, KerasRegressor
    from ..preprocessing import make_tabular_pipeline

    cls = KerasClassifier if task == "classification" else KerasRegressor
    return make_tabular_pipeline(cls(epochs=epochs, verbose=0), auto_drop=False)


def _parse(path: Path, text: str) -> Any:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text)
    if suffix == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        return tomllib.loads(text)
    if suffix == ".json":
        import json

        return json.loads(text)
    raise InvalidSearchSpaceError(
        f"Cannot tell the format of the space file {str(path)!r}: use a "
        ".yaml, .yml, .toml or .json suffix."
    )


def read_space_file(path: Path) -> dict[str, Any]:
    """Parse a YAML (.yaml/.yml), TOML (.toml) or JSON space file."""
    if not path.is_file():
        raise FileNotFoundError(f"Search space file {str(path)!r} not found.")
    try:
        content = _parse(path, path.read_text(encoding="utf-8"))
    except InvalidSearchSpaceError:
        raise
    except Exception as exc:  # each parser has its own error types
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InvalidSearchSpaceError(
            f"Cannot parse the space file {str(path)!r}: {type(exc).__name__}: {first}"
        ) from None
    if not isinstance(content, dict):
        raise InvalidSearchSpaceError(
            f"The space file {str(path)!r} must hold a mapping of parameter names to "
            f"specifications, but holds {type(content).__name__}."
        )
    from ..search import load_search_space

    load_search_space(content)  # errors name the key before any data is read
    return content
