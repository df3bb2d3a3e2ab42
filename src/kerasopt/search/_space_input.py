"""Search spaces from what users write: parsed files, dicts, callables, None.

``{"name": {"type": ..., ...}}`` (a parsed JSON, YAML or TOML file) becomes a
:class:`SearchSpace`, and every malformed key gets an error naming the key,
the field and the value. :func:`as_space` accepts everything
``OptunaSearchCV(param_distributions=...)`` does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from sklearn.base import BaseEstimator, clone, is_classifier

from .._utils import did_you_mean
from ..exceptions import InvalidSearchSpaceError
from ._params import (
    final_estimator_prefix,
    is_keras_estimator,
    resolve_param_names,
    set_params_checked,
)
from ._spaces import (
    Dimension,
    Fixed,
    LayerSizes,
    SearchSpace,
    SpaceFn,
    default_search_space,
)

if TYPE_CHECKING:
    import optuna

__all__ = ["as_space", "check_space_names", "is_empty", "load_search_space"]

_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (required fields, optional fields), besides "type" itself
    "float": (("low", "high"), ("log", "step")),
    "int": (("low", "high"), ("log", "step")),
    "categorical": (("choices",), ()),
    "layers": ((), ("n_layers", "units", "log")),
    "fixed": (("value",), ()),
}
_SCALAR = (str, bool, int, float, type(None))


def _fail(key: str, message: str) -> InvalidSearchSpaceError:
    return InvalidSearchSpaceError(f"Search space key {key!r}: {message}")


def _number(key: str, field: str, value: Any, *, integer: bool) -> Any:
    # YAML 1.1 (PyYAML) reads `1e-4` as a string: accept numeric strings.
    if isinstance(value, str) and not integer:
        try:
            value = float(value)
        except ValueError:
            pass
    kind = "an int" if integer else "a number"
    ok_type = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, ok_type):
        raise _fail(key, f"`{field}` must be {kind}, but got {value!r}.")
    if not integer and not math.isfinite(value):
        raise _fail(key, f"`{field}` must be finite, but got {value!r}.")
    return int(value) if integer else float(value)


def _flag(key: str, field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, f"`{field}` must be true or false, but got {value!r}.")
    return value


def _range(key: str, spec: Mapping[str, Any], *, integer: bool) -> BaseDistribution:
    low = _number(key, "low", spec["low"], integer=integer)
    high = _number(key, "high", spec["high"], integer=integer)
    log = _flag(key, "log", spec.get("log", False))
    step = spec.get("step")
    if low > high:
        raise _fail(key, f"`low <= high` must hold, but got (low={low}, high={high}).")
    if step is not None:
        step = _number(key, "step", step, integer=integer)
        if step <= 0:
            raise _fail(key, f"`step` must be > 0, but got {step!r}.")
        if log and step != 1:
            raise _fail(
                key,
                "`log` and `step` cannot be combined, but got "
                f"(log=true, step={step}).",
            )
    if log and low <= 0:
        raise _fail(key, f"`low > 0` must hold with log=true, but got (low={low}).")
    if integer:
        return IntDistribution(low, high, log=log, step=1 if step is None else step)
    return FloatDistribution(low, high, log=log, step=None if log else step)


def _pair(key: str, field: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _fail(key, f"`{field}` must be a list [low, high], but got {value!r}.")
    return (
        _number(key, f"{field}[0]", value[0], integer=True),
        _number(key, f"{field}[1]", value[1], integer=True),
    )


def _dimension(key: str, spec: Any) -> Dimension:
    if not isinstance(spec, Mapping) or "type" not in spec:
        raise _fail(
            key,
            f"expected a mapping with a 'type' field ({', '.join(_FIELDS)}), but got "
            f"{spec!r}. Example: {{'type': 'float', 'low': 0.0001, 'high': 0.1, "
            "'log': true}.",
        )
    kind = spec["type"]
    if kind not in _FIELDS:
        raise _fail(
            key,
            f"unknown type {kind!r}.{did_you_mean(str(kind), _FIELDS)} Valid types: "
            f"{', '.join(_FIELDS)}.",
        )
    required, optional = _FIELDS[kind]
    allowed = ("type", *required, *optional)
    for field in spec:
        if field not in allowed:
            raise _fail(
                key,
                f"unknown field {field!r} for type {kind!r}."
                f"{did_you_mean(str(field), allowed)} Valid fields: "
                f"{', '.join(allowed)}.",
            )
    for field in required:
        if field not in spec:
            raise _fail(key, f"type {kind!r} needs the field {field!r}.")
    if kind in ("float", "int"):
        return _range(key, spec, integer=kind == "int")
    if kind == "categorical":
        choices = spec["choices"]
        if not isinstance(choices, (list, tuple)) or not choices:
            raise _fail(
                key, f"`choices` must be a non-empty list, but got {choices!r}."
            )
        for choice in choices:
            if not isinstance(choice, _SCALAR):
                raise _fail(
                    key,
                    f"choices must be strings, numbers, booleans or null, but got "
                    f"{choice!r}. For layer sizes use {{'type': 'layers', "
                    "'n_layers': [1, 3], 'units': [16, 128]}.",
                )
        return CategoricalDistribution(tuple(choices))
    if kind == "layers":
        n_layers = _pair(key, "n_layers", spec.get("n_layers", [1, 4]))
        units = _pair(key, "units", spec.get("units", [8, 256]))
        log = _flag(key, "log", spec.get("log", True))
        try:
            return LayerSizes(*n_layers, *units, log=log)
        except InvalidSearchSpaceError as exc:
            raise _fail(key, str(exc)) from None
    return Fixed(spec["value"])


def load_search_space(structure: Mapping[str, Any]) -> SearchSpace:
    """Build a search space from plain data (parsed JSON, YAML or TOML).

    Each key is a parameter name (a name of the final estimator, or a
    Pipeline path such as ``"preprocess__num__strategy"``); each value is a
    mapping with a ``type`` field:

    =============== =============================================================
    ``float``       ``low``, ``high``, optional ``log`` (false) or ``step``
    ``int``         ``low``, ``high``, optional ``log`` (false) or ``step`` (1)
    ``categorical`` ``choices``: a list of strings, numbers, booleans or null
    ``layers``      optional ``n_layers`` ([1, 4]), ``units`` ([8, 256]) and
                    ``log`` (true); gives a tuple for ``hidden_layer_sizes``
    ``fixed``       ``value``: set, not tuned
    =============== =============================================================

    Numbers written as strings (PyYAML reads ``1e-4`` as a string) are
    accepted for float bounds.

    Parameters
    ----------
    structure : mapping
        For instance ``yaml.safe_load(open("space.yaml"))``.

    Returns
    -------
    SearchSpace

    Raises
    ------
    InvalidSearchSpaceError
        Naming the offending key, field and value, with a did-you-mean hint for
        misspelled types and fields.

    Examples
    --------
    >>> space = load_search_space({
    ...     "learning_rate": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    ...     "activation": {"type": "categorical", "choices": ["relu", "tanh"]},
    ...     "hidden_layer_sizes": {"type": "layers", "n_layers": [1, 2]},
    ...     "epochs": {"type": "fixed", "value": 20},
    ... })
    >>> space.names
    ('learning_rate', 'activation', 'hidden_layer_sizes', 'epochs')
    """
    if not isinstance(structure, Mapping):
        raise InvalidSearchSpaceError(
            "A search space file must hold a mapping of parameter names to "
            f"specifications, but got {type(structure).__name__} ({structure!r})."
        )
    if not structure:
        raise InvalidSearchSpaceError(
            "The search space is empty: add at least one key."
        )
    dimensions: dict[str, Dimension] = {}
    for key, spec in structure.items():
        if not isinstance(key, str) or not key:
            raise InvalidSearchSpaceError(
                f"Search space names must be non-empty strings, but got {key!r}."
            )
        dimensions[key] = _dimension(key, spec)
    return SearchSpace(dimensions)


def as_space(space: Any, estimator: BaseEstimator) -> SpaceFn:
    """Turn ``param_distributions`` into a callable ``space(trial) -> params``.

    Parameters
    ----------
    space : None, mapping, SearchSpace or callable
        What :class:`OptunaSearchCV` accepts as ``param_distributions``.
    estimator : estimator
        The estimator to tune (for the default space of kerasopt estimators).

    Returns
    -------
    callable

    Raises
    ------
    InvalidSearchSpaceError
        If ``space`` is of none of these kinds, or None for an estimator that
        has no default space.
    """
    if space is None:
        _, final = final_estimator_prefix(estimator)
        if not is_keras_estimator(final):
            raise InvalidSearchSpaceError(
                "param_distributions=None uses the default space of kerasopt "
                "estimators, but "
                f"the estimator to tune is {type(final).__name__}. Pass a dict of "
                "optuna.distributions or a callable(trial) -> dict of parameters."
            )
        return default_search_space(
            max_epochs=int(final.get_params()["epochs"]), classifier=is_classifier(final)
        )
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, Mapping) and not space:
        return _no_params
    if isinstance(space, Mapping):
        if space and all(isinstance(v, Mapping) for v in space.values()):
            return load_search_space(space)
        return SearchSpace(space)
    if callable(space):
        return space  # type: ignore[no-any-return]
    raise InvalidSearchSpaceError(
        "param_distributions must be None, a dict of optuna distributions, a "
        "parsed space file (dict of dicts) or a callable(trial) -> dict, but got "
        f"{type(space).__name__} ({space!r})."
    )


def _no_params(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    """The empty space ``{}``: one point, the estimator as it is."""
    return {}


def is_empty(space: SpaceFn) -> bool:
    """Whether ``space`` is the empty space (then one trial is all there is)."""
    return space is _no_params


def check_space_names(space: SpaceFn, estimator: BaseEstimator) -> None:
    """Fail before training when a dict space names an unknown parameter.

    Raises
    ------
    InvalidSearchSpaceError
        Naming the key, with a did-you-mean hint.
    """
    if isinstance(space, SearchSpace):
        params = resolve_param_names(space.representative_params(), estimator)
        set_params_checked(clone(estimator), params)
