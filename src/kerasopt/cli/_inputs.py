"""What a study is tuned on: the table, the search space file, the pipeline."""

from __future__ import annotations

import enum
import warnings
from pathlib import Path
from typing import Any

from ..exceptions import InvalidSearchSpaceError
from . import _render

__all__ = ["Task", "build_pipeline", "load_data", "read_space_file"]


class Task(str, enum.Enum):
    """``kerasopt tune --task``."""

    auto = "auto"
    classification = "classification"
    regression = "regression"


def load_data(path: Path, target: str, quiet: bool) -> tuple[Any, Any]:
    """Read ``path``; data warnings (dropped rows) become notes."""
    from ..data import load_dataset

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        X, y = load_dataset(path, target)
    if not quiet:
        for warning in caught:
            _render.note(str(warning.message))
    return X, y


def build_pipeline(task: str, epochs: int) -> Any:
    """The estimator every trial clones: preprocessing + Keras MLP."""
    from ..estimators import KerasClassifier, KerasRegressor
    from ..preprocessing import make_tabular_pipeline

    cls = KerasClassifier if task == "classification" else KerasRegressor
    return make_tabular_pipeline(cls(epochs=epochs, verbose=0))


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
