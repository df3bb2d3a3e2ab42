"""Refit the best trial of a study, or an ensemble of its best trials, on all the data."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import optuna
from sklearn.base import BaseEstimator, is_classifier
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import check_scoring

from ._ensemble import OutOfFoldStore, ensemble_of_trials
from ._params import configured_clone, resolve_param_names

__all__ = ["refit_best", "refit_ensemble"]


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


def refit_ensemble(
    estimator: BaseEstimator,
    study: optuna.Study,
    X: Any,
    y: Any,
    *,
    ensemble_dir: str | os.PathLike[str],
    ensemble_size: int = 5,
    scoring: str | Callable[..., float] | None = None,
    **fit_params: Any,
) -> VotingClassifier | VotingRegressor:
    """Choose an ensemble of a stored study's trials and fit it on all the data.

    What ``OptunaSearchCV(ensemble_size=k, ensemble_dir=...)`` does after its
    study, for a study run earlier: greedy selection (Caruana et al. 2004)
    over the out-of-fold predictions the trials left in ``ensemble_dir``.

    Parameters
    ----------
    estimator : estimator
        The estimator (or Pipeline) the study tuned; cloned for each member.
    study : optuna.Study
        The study (maximized).
    X, y : array-like
        All the training data: the rows the trials' predictions were made on.
    ensemble_dir : str or path-like
        The search's ``ensemble_dir``.
    ensemble_size : int, default=5
        At most this many distinct members (fewer, with a warning, when fewer
        trials left predictions).
    scoring : str, callable or None, default=None
        The search's ``scoring``.
    **fit_params : dict
        Passed to each member's ``fit``.

    Returns
    -------
    VotingClassifier or VotingRegressor
        Fitted, weighted soft voting; members are named ``trial_<number>``.

    Raises
    ------
    kerasopt.exceptions.DataError
        If no complete trial left predictions for these rows in ``ensemble_dir``.
    """
    store = OutOfFoldStore(len(y), os.fspath(ensemble_dir))
    classes = np.unique(np.asarray(y)) if is_classifier(estimator) else None
    _, _, ensemble = ensemble_of_trials(
        study, store, estimator, y, check_scoring(estimator, scoring=scoring),
        ensemble_size, classes,
    )  # fmt: skip
    return ensemble.fit(X, y, **fit_params)
