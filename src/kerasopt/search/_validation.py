"""Checks of OptunaSearchCV's parameters whose messages say how to fix them.

scikit-learn's ``_parameter_constraints`` check the types; what is here
covers what they cannot say well: a misspelled keyword (with the name
optuna-integration's ``OptunaSearchCV`` uses), an object that is not an
estimator, ``enable_pruning`` without ``partial_fit``, a ``study`` that
minimizes while scikit-learn scores are maximized.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, TypeVar

import optuna
from sklearn.utils._param_validation import InvalidParameterError

from .._utils import did_you_mean
from ._params import final_estimator_prefix, is_keras_estimator

__all__ = [
    "OPTUNA_INTEGRATION_PARAMS",
    "check_catch",
    "check_search_params",
    "reject_unknown_keywords",
]

#: Parameters of ``optuna_integration.OptunaSearchCV`` (4.x), all accepted here.
OPTUNA_INTEGRATION_PARAMS: frozenset[str] = frozenset(
    {
        "estimator", "param_distributions", "cv", "enable_pruning", "error_score",
        "max_iter", "n_jobs", "n_trials", "random_state", "refit",
        "return_train_score", "scoring", "study", "subsample", "timeout",
        "verbose", "callbacks", "catch",
    }
)  # fmt: skip

#: Names other searches use for a parameter that has another name here.
_ALIASES = {
    "n_iter": "n_trials",  # RandomizedSearchCV
    "param_grid": "param_distributions",  # GridSearchCV
    "search_space": "param_distributions",
    "seed": "random_state",
    "direction": "scoring",
    "show_progress_bar": "verbose",
}

Init = TypeVar("Init", bound=Callable[..., None])


def reject_unknown_keywords(init: Init) -> Init:
    """Wrap ``__init__`` so that an unknown keyword gets a did-you-mean error.

    The signature is kept (``inspect.signature`` follows ``__wrapped__``), so
    ``get_params`` and ``clone`` see the real parameters.
    """
    names = [
        p.name
        for p in inspect.signature(init).parameters.values()
        if p.name != "self"
    ]

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        for key in kwargs:
            if key not in names:
                raise TypeError(_unknown_keyword(type(self).__name__, key, names))
        init(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _unknown_keyword(cls: str, key: str, names: list[str]) -> str:
    hint = did_you_mean(key, names)
    if key in _ALIASES:
        hint = f" Did you mean {_ALIASES[key]!r}?"
    match = hint[len(" Did you mean '") : -2] if hint else ""
    if match in OPTUNA_INTEGRATION_PARAMS:
        hint += " (as in optuna-integration's OptunaSearchCV)"
    return (
        f"{cls}.__init__() got an unexpected keyword argument {key!r}.{hint} "
        f"Parameters: {', '.join(names)}."
    )


def check_catch(catch: Any) -> tuple[type[BaseException], ...]:
    """``catch`` as a tuple of exception types (a single type is accepted)."""
    items = (catch,) if isinstance(catch, type) else catch
    try:
        items = tuple(items)
    except TypeError:
        items = (catch,)
    for item in items:
        if not (isinstance(item, type) and issubclass(item, Exception)):
            raise ValueError(
                "catch must be an exception type or a tuple of them (e.g. "
                f"catch=(ValueError,)), but got {catch!r}."
            )
    return items  # type: ignore[return-value]


def _check_study(study: Any, search: Any) -> None:
    if not isinstance(study, optuna.Study):
        raise ValueError(
            f"study must be an optuna.Study or None, but got {type(study).__name__} "
            f"({study!r})."
        )
    for name in ("storage", "study_name"):
        if getattr(search, name) is not None:
            raise ValueError(
                f"study= and {name}= were both given, but the study already has "
                f"its {name} ({study.study_name!r}). Pass one of them."
            )
    directions = [d.name.lower() for d in study.directions]
    if directions != ["maximize"]:
        raise ValueError(
            f"The direction of study must be 'maximize', but study "
            f"{study.study_name!r} has directions={directions} while "
            f"scoring={search.scoring!r} is a scikit-learn score, which "
            "OptunaSearchCV maximizes (greater is better; losses are negated, as "
            "in 'neg_log_loss'). Create the study with "
            "optuna.create_study(direction='maximize')."
        )


def check_search_params(search: Any) -> None:
    """Check what ``_parameter_constraints`` would report less clearly.

    Raises
    ------
    ValueError
        Naming the parameter, the value received and the fix (scikit-learn's
        ``InvalidParameterError`` for a value of the wrong kind).
    """
    estimator = search.estimator
    if not hasattr(estimator, "fit"):
        raise InvalidParameterError(
            "estimator must be a scikit-learn estimator (an object with a fit "
            f"method), but got {type(estimator).__name__} ({estimator!r})."
        )
    error_score = search.error_score
    if error_score != "raise" and (
        isinstance(error_score, bool) or not isinstance(error_score, Real)
    ):
        raise InvalidParameterError(
            f"error_score must be 'raise' or numeric, but got {error_score!r}."
        )
    max_iter = search.max_iter
    if isinstance(max_iter, bool) or not isinstance(max_iter, Integral) or max_iter < 1:
        raise InvalidParameterError(
            f"max_iter must be > 0, but got max_iter={max_iter!r} (the number of "
            "partial_fit steps of a trial with enable_pruning=True)."
        )
    if search.enable_pruning:
        _, final = final_estimator_prefix(estimator)
        if not (hasattr(estimator, "partial_fit") or is_keras_estimator(final)):
            raise ValueError(
                "enable_pruning=True: the estimator must support partial_fit, but "
                f"{type(estimator).__name__} has no partial_fit method. Set "
                "enable_pruning=False, or tune an estimator with partial_fit "
                "(SGDClassifier, MLPClassifier, a kerasopt estimator)."
            )
    if search.study is not None:
        _check_study(search.study, search)
    check_catch(search.catch)
