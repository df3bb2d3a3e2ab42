"""Refit the best trial of a study on all the data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import optuna
from sklearn.base import BaseEstimator

from ._params import configured_clone, resolve_param_names

__all__ = ["refit_best"]


def refit_best(
    estimator: BaseEstimator,
    best: optuna.Study | optuna.trial.FrozenTrial,
    X: Any,
    y: Any = None,
    *,
    params: Mapping[str, Any] | None = None,
    **fit_params: Any,
) -> BaseEstimator:
    """Fit a clone of ``estimator`` with the best trial's parameters on all the data.

    Parameters
    ----------
    estimator : estimator
        The estimator (or Pipeline) the study tuned; it is cloned, not changed.
    best : optuna.Study or optuna.trial.FrozenTrial
        A study (its ``best_trial`` is used) or the trial to refit.
    X, y : array-like
        All the training data.
    params : mapping, default=None
        The estimator parameters to set. ``None`` reads the ``params`` user
        attribute that :class:`OptunaSearchCV` records on each trial (names
        resolved, layer sizes assembled), falling back to Optuna's raw
        ``trial.params`` for studies made elsewhere.
    **fit_params : dict
        Passed to ``fit``.

    Returns
    -------
    estimator
        The fitted clone. The trial's ``random_state`` user attribute, when
        present, is given to the final step, as during the search.

    Examples
    --------
    >>> import optuna
    >>> from sklearn.linear_model import LogisticRegression
    >>> study = optuna.create_study(direction="maximize")
    >>> study.add_trial(optuna.trial.create_trial(
    ...     params={"C": 0.5}, value=0.9,
    ...     distributions={"C": optuna.distributions.FloatDistribution(0.1, 1)}))
    >>> model = refit_best(LogisticRegression(), study, [[0], [1]], [0, 1])
    >>> model.C
    0.5
    """
    trial = best.best_trial if isinstance(best, optuna.Study) else best
    if params is None:
        params = resolve_param_names(
            trial.user_attrs.get("params", trial.params), estimator
        )
    model = configured_clone(estimator, params, trial.user_attrs.get("random_state"))
    return model.fit(X, y, **fit_params)
