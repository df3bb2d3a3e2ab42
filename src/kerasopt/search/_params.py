"""The estimator to tune: its final step, its kind, its parameter names.

Names without a step prefix refer to the final estimator of a Pipeline, so the
same space works for a bare ``KerasClassifier`` and for
``make_tabular_pipeline(KerasClassifier())``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import Pipeline

from .._utils import did_you_mean
from ..exceptions import InvalidSearchSpaceError

__all__ = [
    "configured_clone",
    "final_estimator_prefix",
    "is_keras_estimator",
    "resolve_param_names",
    "set_params_checked",
]


def final_estimator_prefix(estimator: BaseEstimator) -> tuple[str, BaseEstimator]:
    """Return the parameter prefix of the final estimator and that estimator.

    Parameters
    ----------
    estimator : estimator
        A bare estimator or a (possibly nested) Pipeline.

    Returns
    -------
    prefix : str
        ``""`` for a bare estimator, ``"<step>__"`` (repeated for nested
        Pipelines) otherwise.
    final : estimator
        The last step.
    """
    prefix = ""
    while isinstance(estimator, Pipeline) and estimator.steps:
        name, step = estimator.steps[-1]
        prefix, estimator = f"{prefix}{name}__", step
    return prefix, estimator


def is_keras_estimator(estimator: Any) -> bool:
    """Whether ``estimator`` is a kerasopt Keras estimator.

    Looks the class up in ``sys.modules`` so that searching a scikit-learn
    model never imports Keras: a kerasopt estimator instance implies its
    module is already imported.
    """
    module = sys.modules.get("kerasopt.estimators")
    base = getattr(module, "BaseKerasEstimator", None)
    return base is not None and isinstance(estimator, base)


def resolve_param_names(
    params: Mapping[str, Any], estimator: BaseEstimator
) -> dict[str, Any]:
    """Add the final step's prefix to names that do not name a Pipeline step.

    For a Pipeline, a key whose first ``__`` segment is a step name (the
    GridSearchCV spelling, e.g. ``"preprocess__num__strategy"``) is kept as
    is; any other key (``"learning_rate"``, ``"model__units"``) belongs to the
    final estimator and gets its prefix (``"kerasclassifier__learning_rate"``).
    For other estimators the keys are returned unchanged.

    Parameters
    ----------
    params : mapping of str to object
        Parameters from a search space.
    estimator : estimator
        The estimator they are meant for.

    Returns
    -------
    dict
    """
    if not isinstance(estimator, Pipeline):
        return dict(params)
    steps = {name for name, _ in estimator.steps}
    prefix, _ = final_estimator_prefix(estimator)
    return {
        (key if key.split("__", 1)[0] in steps else prefix + key): value
        for key, value in params.items()
    }


def set_params_checked(estimator: BaseEstimator, params: Mapping[str, Any]) -> None:
    """``estimator.set_params(**params)``, naming the search-space key that fails.

    Raises
    ------
    InvalidSearchSpaceError
        If a name is not a parameter of ``estimator``.
    """
    for key, value in params.items():
        try:
            estimator.set_params(**{key: value})
        except (ValueError, TypeError, AttributeError) as exc:
            valid = list(estimator.get_params(deep=True))
            raise InvalidSearchSpaceError(
                f"Search space parameter {key!r} cannot be set on "
                f"{type(estimator).__name__}.{did_you_mean(key, valid)} Use a name "
                "from estimator.get_params() (names without a step prefix go to the "
                f"last step of a Pipeline). Upstream error: {exc}"
            ) from None


def configured_clone(
    estimator: BaseEstimator, params: Mapping[str, Any], random_state: int | None
) -> BaseEstimator:
    """Clone ``estimator`` with ``params`` and, if given, the final step's seed.

    Parameters
    ----------
    estimator : estimator
        A bare estimator or a Pipeline.
    params : mapping of str to object
        Resolved parameter names (see :func:`resolve_param_names`).
    random_state : int or None
        Set as the final estimator's ``random_state`` unless None.

    Returns
    -------
    estimator
        An unfitted clone.
    """
    estimator = clone(estimator)
    set_params_checked(estimator, params)
    if random_state is not None:
        prefix, _ = final_estimator_prefix(estimator)
        estimator.set_params(**{prefix + "random_state": random_state})
    return estimator
